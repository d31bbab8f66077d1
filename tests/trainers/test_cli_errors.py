"""`gamelang train` fails with a message and exit code 2, never a traceback, before loading anything big."""

from __future__ import annotations

import pytest

from tests.trainers.conftest import DPO_ROWS, write_jsonl


def assert_usage_error(result, *parts: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for part in parts:
        assert part in result.stderr, result.stderr


def test_missing_model_folder(data_file, train_cli, tmp_path):
    result = train_cli("sft", "--model", tmp_path / "nope", "--data", data_file("sft"), "--out", tmp_path / "o")
    assert_usage_error(result, "gamelang: error: model", "no such folder")


def test_folder_that_is_not_a_model(data_file, train_cli, tmp_path):
    result = train_cli("sft", "--model", tmp_path, "--data", data_file("sft"), "--out", tmp_path / "o")
    assert_usage_error(result, "without config.json")


def test_data_of_the_wrong_method(tiny_model, train_cli, tmp_path):
    data = write_jsonl(tmp_path / "pairs.jsonl", DPO_ROWS)
    result = train_cli("sft", "--model", tiny_model, "--data", data, "--out", tmp_path / "o")
    assert_usage_error(result, "pairs.jsonl has no 'messages' column: is it an SFT file?")


def test_missing_required_settings(train_cli):
    assert_usage_error(train_cli("dpo", "--model", "x"), "missing 'data', 'out'", "--data and --out")


def test_unknown_key_in_config_file(train_cli, tmp_path):
    config = tmp_path / "train.yaml"
    config.write_text("epocs: 3\n")
    assert_usage_error(train_cli("sft", "--config", config), "unknown key 'epocs'; did you mean 'epochs'?")


@pytest.mark.parametrize("existing, flag, message", [
    (False, "--resume", "holds no checkpoint to resume from"),
    (True, None, "already holds checkpoints (newest: checkpoint-12); pass --resume"),
])
def test_resume_and_old_checkpoints(tiny_model, data_file, train_cli, tmp_path, existing, flag, message):
    out = tmp_path / "o"
    if existing:
        (out / "checkpoint-3").mkdir(parents=True)
        (out / "checkpoint-12").mkdir()
    args = ["sft", "--model", tiny_model, "--data", data_file("sft"), "--out", out] + ([flag] if flag else [])
    assert_usage_error(train_cli(*args), message)
