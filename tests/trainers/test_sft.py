"""SFT: real steps on the tiny model, a checkpoint `hf:` loads, resume, LoRA, assistant-only loss."""

from __future__ import annotations

import re

from gamelang.players.hf import load_model
from tests.trainers.conftest import FAST


def steps_of(output: str) -> int:
    return int(re.search(r"finished: (\d+) steps", output).group(1))


def test_sft_trains_saves_a_model_hf_loads_and_resumes(tiny_model, data_file, train_cli, tmp_path):
    out = tmp_path / "sft"
    first = train_cli("sft", "--model", tiny_model, "--data", data_file("sft"), "--out", out, "--max-steps", "2", *FAST)
    assert first.exit_code == 0, first.output
    assert steps_of(first.stdout) == 2
    assert f"--model hf:{out}" in first.stdout
    assert (out / "checkpoint-2").is_dir()
    model, tokenizer = load_model(str(out))
    assert type(model).__name__ == "LlamaForCausalLM" and tokenizer.chat_template

    again = train_cli("sft", "--model", tiny_model, "--data", data_file("sft"), "--out", out, "--max-steps", "3",
                      "--resume", *FAST)
    assert again.exit_code == 0, again.output
    assert steps_of(again.stdout) == 3 and "resumed from checkpoint-2" in again.stdout
    assert (out / "checkpoint-3").is_dir()


def test_sft_lora_adapter_loads_on_its_base(tiny_model, data_file, train_cli, tmp_path):
    out = tmp_path / "lora"
    result = train_cli("sft", "--model", tiny_model, "--data", data_file("sft"), "--out", out, "--lora",
                       "--max-steps", "1", *FAST)
    assert result.exit_code == 0, result.output
    assert (out / "adapter_config.json").is_file() and not (out / "model.safetensors").exists()
    assert f"--model hf:{tiny_model}?adapter={out}" in result.stdout
    model, _ = load_model(str(tiny_model), adapter=str(out))
    assert type(model).__name__ == "PeftModelForCausalLM"
    model, _ = load_model(str(out))  # the adapter folder alone names its base (an absolute path)
    assert type(model).__name__ == "PeftModelForCausalLM"
    play_one_episode(f"hf:{tiny_model}?adapter={out}&max_new_tokens=4", tmp_path / "run")


def play_one_episode(spec: str, folder) -> None:
    """Play an episode of taboo with ``spec`` in every role: the trained model answers through the hf player."""
    from gamelang.compiler import compile_file
    from gamelang.players import parse_spec
    from gamelang.registry import resolve_game
    from gamelang.runtime.run import RunSettings, execute
    from gamelang.runtime.runfolder import read_run

    taboo = compile_file(resolve_game("taboo")).machine
    execute([taboo], RunSettings(out=folder, limit=1, default_spec=parse_spec(spec)))
    (record,) = read_run(folder).latest().values()
    assert record["outcome"] in ("win", "lose", "abort")
    assert any(e["type"] == "reply" for e in record["events"])


def test_sft_loss_covers_the_assistant_turns_only(tiny_model, data_file):
    from trl import SFTTrainer

    from trainers import common, sft
    from trainers.config import load_config

    config = load_config("sft", overrides={"model": str(tiny_model), "data": str(data_file("sft")), "out": "unused"})
    tokenizer = common.load_tokenizer(config)
    hardware = common.choose_hardware(config)
    trainer = SFTTrainer(model=common.load_model(config), args=sft.trl_config(config, hardware),
                         train_dataset=sft.load_dataset(config.data, "sft"), processing_class=tokenizer)
    batch = trainer.data_collator([trainer.train_dataset[1]])  # the two-turn conversation
    ids, labels = batch["input_ids"][0], batch["labels"][0]
    learned = tokenizer.decode(ids[labels != -100])
    assert learned == "GUESS: autumn</s>GUESS: winter</s>"
    assert "CLUE" in tokenizer.decode(ids)  # the prompts are in the input, only not in the loss


def test_a_template_without_generation_markers_is_refused_clearly(tiny_model, data_file, train_cli, tmp_path):
    template = tmp_path / "plain.jinja"
    template.write_text("{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}")
    result = train_cli("sft", "--model", tiny_model, "--data", data_file("sft"), "--out", tmp_path / "x",
                       "--set", f"chat_template={template}")
    assert result.exit_code == 2
    assert "no {% generation %} markers" in result.stderr and "assistant_only_loss: false" in result.stderr
    assert "Traceback" not in result.output
