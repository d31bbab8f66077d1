"""Writing rows: JSONL that `datasets` reads chunk by chunk even when early rows hold nulls."""

from __future__ import annotations

import json

import pytest

from gamelang.data.episodes import ExportError
from gamelang.data.writer import check_output, types_first, write_rows


def rows(n: int = 400) -> list[dict]:
    out = [{"messages": [{"role": "user", "content": "q" * 50}, {"role": "assistant", "content": "a"}],
            "main": None, "episode": i} for i in range(n)]
    out[-1]["main"] = 50.0
    out[-1]["messages"][1]["tool_calls"] = [{"type": "function", "function": {"name": "f", "arguments": "{}"}}]
    return out


def test_a_row_with_every_type_comes_first_and_the_rest_keep_their_order():
    reordered = types_first(rows())
    assert reordered[0]["episode"] == 0 and reordered[1]["episode"] == 399
    assert [r["episode"] for r in reordered[2:]] == list(range(1, 399))


def test_datasets_reads_late_values_in_small_chunks(tmp_path):
    datasets = pytest.importorskip("datasets")
    out = tmp_path / "rows.jsonl"
    write_rows(rows(), out)
    loaded = datasets.load_dataset("json", data_files=str(out), split="train", chunksize=4096,
                                   cache_dir=str(tmp_path / "cache"))
    assert len(loaded) == 400 and sorted(x for x in loaded["main"] if x is not None) == [50.0]
    plain = tmp_path / "plain.jsonl"  # the same rows in their own order fail to load: the point of types_first
    plain.write_text("".join(json.dumps(r) + "\n" for r in rows()))
    with pytest.raises(Exception):
        datasets.load_dataset("json", data_files=str(plain), split="train", chunksize=4096,
                              cache_dir=str(tmp_path / "cache2"))


def test_bad_output_names(tmp_path):
    for path, message in ((tmp_path / "x.csv", "must end in .jsonl or .parquet"),
                          (tmp_path / "no" / "x.jsonl", "does not exist")):
        with pytest.raises(ExportError, match=message):
            check_output(path)
    (tmp_path / "d.jsonl").mkdir()
    with pytest.raises(ExportError, match="is a folder"):
        check_output(tmp_path / "d.jsonl")
