"""`gamelang train ilql`: token-level Q and V heads over a causal LM, and advantage-weighted decoding with `hf:`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.trainers.conftest import write_jsonl

ROWS = [
    {"messages": [{"role": "user", "content": "Shapes: red circle, blue cross\nClue: the first one"},
                  {"role": "assistant", "content": "ANSWER: red circle"}], "reward": 1.0, "outcome": "win"},
    {"messages": [{"role": "user", "content": "Shapes: red circle, blue cross\nClue: the first one"},
                  {"role": "assistant", "content": "ANSWER: blue cross"}], "reward": 0.0, "outcome": "lose"},
    {"messages": [{"role": "system", "content": "You guess."}, {"role": "user", "content": "CLUE: cold"},
                  {"role": "assistant", "content": "GUESS: autumn"}, {"role": "user", "content": "CLUE: colder"},
                  {"role": "assistant", "content": "GUESS: winter"}], "reward": 0.5, "outcome": "win"},
    {"messages": [{"role": "user", "content": "CLUE: cold"}, {"role": "assistant", "content": "x"}],
     "reward": None, "outcome": "error"},
]


def test_learner_tokens_are_the_replies_and_their_end_of_turn(tiny_model):
    from transformers import AutoTokenizer

    from trainers.ilql import batch_tensors, tokenise

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    episode = tokenise(tokenizer, ROWS[2]["messages"], 0.5)
    assert tokenizer.decode(episode.ids) == tokenizer.apply_chat_template(ROWS[2]["messages"], tokenize=False).rstrip("\n")
    replies = tokenizer.decode([i for i, a in zip(episode.ids, episode.action) if a])
    assert replies == "GUESS: autumn</s>GUESS: winter</s>"
    batch = batch_tensors([episode], tokenizer.pad_token_id, "cpu")
    n = sum(episode.action)
    # the reward sits at the last learner token only, which ends the episode; the others bootstrap from the next one
    assert batch["rewards"].tolist() == [0.0] * (n - 1) + [0.5] and batch["dones"].tolist() == [0.0] * (n - 1) + [1.0]
    assert batch["nexts"].tolist() == list(range(1, n)) + [n - 1]


def test_rows_need_rewards(tmp_path):
    from trainers.data import DataError
    from trainers.ilql import read_rows

    rows, skipped = read_rows([write_jsonl(tmp_path / "d.jsonl", ROWS)])
    assert len(rows) == 3 and skipped == 1
    with pytest.raises(DataError, match="no 'reward' column"):
        read_rows([write_jsonl(tmp_path / "e.jsonl", [{"messages": ROWS[0]["messages"]}])])
    with pytest.raises(DataError, match="no row has a reward"):
        read_rows([write_jsonl(tmp_path / "f.jsonl", ROWS[3:])])


def test_generation_adds_the_logits_adjustment(tiny_model):
    import torch

    from gamelang.players.chat import GenerationRow
    from gamelang.players.hf import generate_with_model, load_model

    model, tokenizer = load_model(str(tiny_model))
    token = tokenizer.convert_tokens_to_ids("<|user|>")
    seen = []

    def adjust(hidden):
        seen.append(hidden.shape)
        bonus = torch.zeros(hidden.shape[0], model.get_output_embeddings().weight.shape[0])
        bonus[:, token] = 1e4
        return bonus

    rows = [GenerationRow([5, 6, 7], 4, 1.0, 1.0, 1), GenerationRow([8, 9], 4, 0.0, 1.0, 2)]
    out = generate_with_model(model, tokenizer, rows, frozenset({tokenizer.eos_token_id}), adjust)
    assert [g.token_ids for g in out] == [[token] * 4, [token] * 4]
    assert seen[0] == (2, model.config.hidden_size)  # the last position's hidden state of each row
    # the hook is gone afterwards: the same model generates without it
    plain = generate_with_model(model, tokenizer, rows[1:], frozenset({tokenizer.eos_token_id}))
    assert plain[0].token_ids != [token] * 4


def test_ilql_trains_saves_heads_and_hf_plays_with_them(tmp_path, tiny_model, train_cli):
    import torch

    from gamelang.players import PlayerSpecError, make_player, parse_spec
    from gamelang.players.ilql import load_heads

    data = write_jsonl(tmp_path / "d.jsonl", ROWS)
    out = tmp_path / "ilql"
    result = train_cli("ilql", "--model", tiny_model, "--data", data, "--out", out, "--max-steps", "3",
                       "--batch-size", "2", "--lr", "1e-3", "--set", "save_steps=2", "--set", "logging_steps=1",
                       "--set", "ilql_beta=2.5")
    assert result.exit_code == 0, result.output
    assert "ilql finished: 3 steps on 3 rows" in result.output and "1 rows without a reward" in result.output
    assert "play it with: --model hf:" in result.output
    log = [json.loads(line) for line in (out / "ilql_log.jsonl").read_text().splitlines()]
    assert [e["step"] for e in log] == [1, 2, 3] and all(e["q"] >= 0 and e["cql"] > 0 for e in log)
    heads, info = load_heads(out)
    assert info["beta"] == 2.5 and info["tau"] == 0.7 and info["gamma"] == 0.99
    saved = torch.load(out / "ilql_heads.pt", weights_only=True)
    assert torch.equal(heads.state_dict()["q1.2.weight"], saved["q1.2.weight"])
    assert saved["q1.2.weight"].abs().sum() > 0  # trained away from the zero start
    assert (out / "checkpoint-2" / "ilql_heads.pt").is_file()

    # resume goes on from the checkpoint's step
    again = train_cli("ilql", "--model", tiny_model, "--data", data, "--out", out, "--max-steps", "4",
                      "--batch-size", "2", "--lr", "1e-3", "--set", "save_steps=2", "--set", "ilql_beta=2.5", "--resume")
    assert again.exit_code == 0, again.output
    assert "ilql finished: 4 steps" in again.output and "resumed from checkpoint-2" in again.output

    player = make_player(parse_spec(f"hf:{out}?max_new_tokens=4"))
    assert player.logits_adjust is not None and player.logits_adjust.beta == 2.5
    off = make_player(parse_spec(f"hf:{out}?ilql_beta=0"))
    assert off.logits_adjust is None
    player.close()
    off.close()
    with pytest.raises(PlayerSpecError, match="holds no ILQL heads"):
        make_player(parse_spec(f"hf:{tiny_model}?ilql_beta=1"))

    from gamelang.cli import app

    runner = CliRunner()
    played = runner.invoke(app, ["run", "shapes", "--role", f"listener=hf:{out}?ilql_beta=3", "--limit", "1",
                                 "--out", str(tmp_path / "run")])
    assert played.exit_code in (0, 1), played.output
    record = json.loads((tmp_path / "run" / "episodes.jsonl").read_text())
    assert record["outcome"] != "error", record["reason"]
    reply = next(e for e in record["events"] if e["type"] == "reply" and e["role"] == "listener")
    assert reply["tokens"] >= 1


def test_bad_ilql_settings_are_refused(train_cli, tiny_model, tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", [{"messages": ROWS[0]["messages"]}])
    result = train_cli("ilql", "--model", tiny_model, "--data", data, "--out", tmp_path / "o")
    assert result.exit_code == 2 and "no 'reward' column" in result.output
    result = train_cli("ilql", "--model", tiny_model, "--data", data, "--out", tmp_path / "o", "--set", "tau=1.5")
    assert result.exit_code == 2 and "'tau'" in result.output
