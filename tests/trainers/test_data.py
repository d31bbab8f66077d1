"""Training files: shapes checked with clear messages, metadata dropped, JSONL and parquet read."""

from __future__ import annotations

import pytest

from tests.trainers.conftest import DPO_ROWS, KTO_ROWS, SFT_ROWS, write_jsonl
from trainers.data import DataError, load_dataset, read_rows


def test_metadata_columns_are_dropped(tmp_path):
    dataset = load_dataset([write_jsonl(tmp_path / "d.jsonl", DPO_ROWS)], "dpo")
    assert dataset.column_names == ["prompt", "chosen", "rejected"] and len(dataset) == 2


def test_parquet_is_read(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "k.parquet"
    pq.write_table(pa.Table.from_pylist(KTO_ROWS), path)
    assert [r["label"] for r in read_rows([path], "kto")] == [True, False, True, False]


def test_a_file_of_another_method_is_named(tmp_path):
    path = write_jsonl(tmp_path / "x.jsonl", DPO_ROWS)
    with pytest.raises(DataError, match=r"x.jsonl has no 'messages' column: is it an SFT file\? "
                                        r"\(export it with gamelang export sft\)"):
        read_rows([path], "sft")


@pytest.mark.parametrize("rows, method, message", [
    ([{"messages": [{"role": "user", "content": "hi"}]}], "sft", "row 1: the conversation has no assistant turn"),
    ([SFT_ROWS[0], {"messages": "hi"}], "sft", "row 2: 'messages' must be a non-empty list"),
    ([{**KTO_ROWS[0], "label": "yes"}], "kto", "'label' must be true or false"),
    ([{**DPO_ROWS[0], "chosen": "GUESS: winter"}], "dpo", "'prompt' and 'chosen' must both be text or both"),
    (KTO_ROWS[:1], "kto", "every KTO row is desirable"),
])
def test_bad_rows_are_located(tmp_path, rows, method, message):
    with pytest.raises(DataError, match=message):
        read_rows([write_jsonl(tmp_path / "d.jsonl", rows)], method)


def test_unreadable_files(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_rows([tmp_path / "missing.jsonl"], "sft")
    (tmp_path / "bad.jsonl").write_text('{"messages": [}\n')
    with pytest.raises(DataError, match="bad.jsonl:1: not valid JSON"):
        read_rows([tmp_path / "bad.jsonl"], "sft")
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(DataError, match="holds no rows"):
        read_rows([tmp_path / "empty.jsonl"], "sft")
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(DataError, match="cannot read .*bad.parquet as parquet"):
        read_rows([tmp_path / "bad.parquet"], "sft")
