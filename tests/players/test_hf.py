"""The `hf:` player with a tiny local model loaded through from_pretrained, as a real model is."""

from __future__ import annotations

import json
import subprocess

import pytest

from gamelang.compiler import compile_file
from gamelang.players import PlayerSpecError, make_player, parse_spec
from gamelang.players.hf import HFPlayer
from gamelang.registry import resolve_game
from gamelang.runtime.run import RunSettings, execute
from gamelang.runtime.runfolder import read_run
from tests.conftest import ROOT, gamelang_cmd


@pytest.fixture(scope="module")
def taboo():
    return compile_file(resolve_game("taboo")).machine


def test_real_episodes_are_played_and_requests_batched(taboo, tiny_model, tmp_path, monkeypatch):
    batches: list[int] = []
    original = HFPlayer.generate_rows

    def spy(self, rows):
        batches.append(len(rows))
        return original(self, rows)

    monkeypatch.setattr(HFPlayer, "generate_rows", spy)
    spec = parse_spec(f"hf:{tiny_model}?temperature=1.0&max_new_tokens=12")
    execute([taboo], RunSettings(out=tmp_path / "run", limit=6, concurrency=6, default_spec=spec))
    records = list(read_run(tmp_path / "run").latest().values())
    assert len(records) == 6
    assert all(r["outcome"] in ("win", "lose", "abort") for r in records)
    assert all(r["players"] == {"describer": spec.text, "guesser": spec.text} for r in records)
    assert batches[0] == 6  # the six describers' first requests went to the model as one batch
    replies = [e for r in records for e in r["events"] if e["type"] == "reply"]
    assert replies and all(isinstance(e["text"], str) for e in replies)


def test_sampling_is_reproducible_with_a_seed(tiny_model):
    conv = [[{"role": "user", "content": "CLUE: a cold season"}]] * 3
    a = make_player(parse_spec(f"hf:{tiny_model}?temperature=1.0&seed=5")).generate(conv, 10)
    b = make_player(parse_spec(f"hf:{tiny_model}?temperature=1.0&seed=5")).generate(conv, 10)
    assert a == b and any(a)


def test_greedy_generation_is_the_default(tiny_model):
    player = make_player(parse_spec(f"hf:{tiny_model}"))
    conv = [[{"role": "user", "content": "GUESS:"}]]
    assert player.generate(conv, 8) == player.generate(conv, 8)


def test_a_peft_adapter_folder_loads(tiny_model, tmp_path):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(tiny_model)
    lora = get_peft_model(base, LoraConfig(r=4, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
    lora.save_pretrained(tmp_path / "adapter")
    for spec in (f"hf:{tmp_path / 'adapter'}", f"hf:{tiny_model}?adapter={tmp_path / 'adapter'}"):
        player = make_player(parse_spec(spec))
        assert type(player.model).__name__.startswith("Peft")
        assert len(player.generate([[{"role": "user", "content": "hi"}]], 4)) == 1


def test_models_that_cannot_be_loaded_are_refused_clearly(tmp_path, tiny_model):
    with pytest.raises(PlayerSpecError, match="cannot load model"):
        make_player(parse_spec(f"hf:{tmp_path / 'no-model-here'}"))
    config = json.loads((tiny_model / "tokenizer_config.json").read_text())
    config.pop("chat_template", None)
    bare = tmp_path / "bare"
    bare.mkdir()
    for f in tiny_model.iterdir():
        (bare / f.name).write_bytes(f.read_bytes())
    (bare / "tokenizer_config.json").write_text(json.dumps(config))
    (bare / "chat_template.jinja").unlink(missing_ok=True)
    with pytest.raises(PlayerSpecError, match="no chat template"):
        make_player(parse_spec(f"hf:{bare}"))


def test_cli_run_with_a_local_model(tiny_model, tmp_path):
    proc = subprocess.run(gamelang_cmd() + ["run", "referencegame", "--model", f"hf:{tiny_model}?max_new_tokens=8",
                                            "--limit", "3", "--out", str(tmp_path / "r")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "referencegame" in proc.stdout and "3 episodes played" in proc.stdout
