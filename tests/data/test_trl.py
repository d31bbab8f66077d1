"""Exported rows load with `datasets` and go through TRL's own dataset preparation and a training step.

Each trainer is built on the tiny local model with its chat template (which has {% generation %}
markers), the exported file loaded as it is, metadata columns and all.
"""

from __future__ import annotations

import pytest

pytest.importorskip("trl")

from gamelang.data.export import ExportOptions, export  # noqa: E402
from gamelang.data.select import Criteria  # noqa: E402
from gamelang.data.writer import write_rows  # noqa: E402
from tests.data.records import guessing_records, write_run  # noqa: E402

CPU = dict(use_cpu=True, bf16=False, gradient_checkpointing=False, report_to="none", max_steps=1, per_device_train_batch_size=2,
           save_strategy="no", logging_strategy="no", dataset_num_proc=None)


def load(tmp_path, fmt: str, suffix: str = ".jsonl", **kw):
    from datasets import load_dataset

    run = write_run(tmp_path / "run", guessing_records())
    result = export([run], ExportOptions(fmt, kw.pop("criteria", Criteria(roles=("guesser",))), **kw))
    out = tmp_path / f"{fmt}{suffix}"
    write_rows(result.rows, out)
    dataset = load_dataset("parquet" if suffix == ".parquet" else "json", data_files=str(out), split="train")
    assert len(dataset) == len(result.rows) > 0
    return dataset, result.rows


def tokenizer(path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(path)


def test_sft_rows_train_on_assistant_tokens_only(tmp_path, tiny_model):
    from trl import SFTConfig, SFTTrainer

    dataset, rows = load(tmp_path, "sft", criteria=Criteria(roles=("guesser",), outcomes=("win", "lose")))
    assert dataset[0]["messages"] == rows[0]["messages"] and dataset[0]["game"] == "guess"
    tok = tokenizer(tiny_model)
    trainer = SFTTrainer(model=str(tiny_model), processing_class=tok, train_dataset=dataset,
                         args=SFTConfig(output_dir=str(tmp_path / "out"), assistant_only_loss=True, **CPU))
    prepared = trainer.train_dataset
    for example, row in zip(prepared, rows):
        trained = [t for t, label in zip(example["input_ids"], example["labels"]) if label != -100]
        assert trained, "no token of the example is trained on"
        text = tok.decode(trained)
        replies = [m["content"] for m in row["messages"] if m["role"] == "assistant"]
        assert text.replace("</s>", "") == "".join(replies)  # the replies, and nothing the game said
    trainer.train()


def test_dpo_rows_prepare_and_train(tmp_path, tiny_model):
    from trl import DPOConfig, DPOTrainer

    for level in ("turn", "episode"):
        dataset, rows = load(tmp_path, "dpo", level=level)
        assert dataset[0]["prompt"] == rows[0]["prompt"] and dataset[0]["rejected_episode"] == rows[0][
            "rejected_episode"]
        trainer = DPOTrainer(model=str(tiny_model), processing_class=tokenizer(tiny_model), train_dataset=dataset,
                             args=DPOConfig(output_dir=str(tmp_path / "out"), **CPU))
        example = trainer.train_dataset[0]
        assert example["prompt_ids"] and example["chosen_ids"] and example["rejected_ids"]
        assert example["chosen_ids"] != example["rejected_ids"]
    trainer.train()


def test_kto_rows_prepare_and_train(tmp_path, tiny_model):
    from trl import KTOConfig, KTOTrainer

    dataset, rows = load(tmp_path, "kto", suffix=".parquet")
    assert set(dataset["label"]) == {True, False}
    trainer = KTOTrainer(model=str(tiny_model), processing_class=tokenizer(tiny_model), train_dataset=dataset,
                         args=KTOConfig(output_dir=str(tmp_path / "out"), **CPU))
    assert all(e["completion_ids"] for e in trainer.train_dataset)
    trainer.train()
