"""DPO and KTO: real steps on the tiny model, checkpoints `hf:` loads, resume, LoRA."""

from __future__ import annotations

import pytest

from gamelang.players.hf import load_model
from tests.trainers.conftest import FAST
from tests.trainers.test_sft import steps_of


@pytest.mark.parametrize("method", ["dpo", "kto"])
def test_trains_saves_a_model_hf_loads_and_resumes(method, tiny_model, data_file, train_cli, tmp_path):
    out = tmp_path / method
    args = ("--model", tiny_model, "--data", data_file(method), "--out", out, *FAST)
    first = train_cli(method, *args, "--max-steps", "2")
    assert first.exit_code == 0, first.output
    assert steps_of(first.stdout) == 2 and (out / "checkpoint-2").is_dir()
    model, _ = load_model(str(out))
    assert type(model).__name__ == "LlamaForCausalLM"
    again = train_cli(method, *args, "--max-steps", "3", "--resume")
    assert again.exit_code == 0, again.output
    assert steps_of(again.stdout) == 3 and "resumed from checkpoint-2" in again.stdout


@pytest.mark.parametrize("method", ["dpo", "kto"])
def test_lora_adapter_loads_on_its_base(method, tiny_model, data_file, train_cli, tmp_path):
    out = tmp_path / method
    result = train_cli(method, "--model", tiny_model, "--data", data_file(method), "--out", out, "--lora",
                       "--max-steps", "1", *FAST)
    assert result.exit_code == 0, result.output
    assert f"--model hf:{tiny_model}?adapter={out}" in result.stdout
    model, _ = load_model(str(tiny_model), adapter=str(out))
    assert type(model).__name__ == "PeftModelForCausalLM"


@pytest.mark.parametrize("mode", ["--lora", "--full"])
def test_preference_training_starts_from_a_lora_sft_adapter(mode, tiny_model, data_file, train_cli, tmp_path):
    """DPO after LoRA SFT: the adapter is merged into its base first, and the result saved whole."""
    sft = tmp_path / "sft"
    assert train_cli("sft", "--model", tiny_model, "--data", data_file("sft"), "--out", sft, "--lora",
                     "--max-steps", "1", *FAST).exit_code == 0
    out = tmp_path / "dpo"
    result = train_cli("dpo", "--model", sft, "--data", data_file("dpo"), "--out", out, mode,
                       "--max-steps", "1", *FAST)
    assert result.exit_code == 0, result.output
    assert f"--model hf:{out}" in result.stdout and (out / "model.safetensors").is_file()
    model, _ = load_model(str(out))
    assert type(model).__name__ == "LlamaForCausalLM"
