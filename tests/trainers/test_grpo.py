"""Online GRPO: the rollout's tokens and masks, the rewards, real GRPO steps, the episodes run folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gamelang.players import parse_spec
from gamelang.players.chat import Generated

# A two-role game where any reply of the player is a move and the reward depends on what it wrote,
# so that the random tiny model's episodes differ in reward within a group (a GRPO signal).
ECHO = """
game echo { version 1 }
instance { letter: str }
instances "instances.jsonl" by experiment id id
role host { intro "You host." }
role player { intro "Write one short line." }
var n: int = 0
move cue by host = regex /^(?P<c>[\\s\\S]*)$/
move line by player = regex /^(?P<text>[\\s\\S]*)$/
state cue {
  ask host
  parse cue else abort "no cue"
  tell player "Cue: {{ cue.c }}"
  goto answer
}
state answer {
  ask player
  parse line else abort "no line"
  set n = n + 1
  if letter in line.text end win
  if n >= 2 end lose
  goto cue
}
limits { requests 8 reply_tokens 6 }
score { main = if(won, 100, 0) }
player cuer for host { reply "{{ letter }}" }
"""


@pytest.fixture
def echo_game(tmp_path) -> Path:
    """The echo game in a folder of its own, with four instances."""
    folder = tmp_path / "echo"
    folder.mkdir()
    (folder / "echo.game").write_text(ECHO)
    rows = [{"experiment": "x", "id": str(i), "letter": letter} for i, letter in enumerate("eaio")]
    (folder / "instances.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder / "echo.game"


def _taboo_rollout(tiny_model, rows: list):
    """A rollout of taboo (learner: guesser, scripted describer) whose policy always guesses 'cold'.

    Every generate row is appended to ``rows`` as (context ids, sampled ids, logprobs, seed).
    """
    from gamelang.compiler import compile_file
    from gamelang.players.hf import load_model
    from gamelang.registry import resolve_game
    from gamelang.splits import Split
    from trainers.grpo_rollout import GameRollout, RolloutSettings, build_task

    _, tokenizer = load_model(str(tiny_model))
    answer = tokenizer("GUESS: cold", add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    logprobs = [-0.25 - 0.01 * k for k in range(len(answer))]

    def generate(trainer, batch):
        rows.extend((tuple(row.prompt_ids), list(answer), logprobs, row.seed) for row in batch)
        return [Generated(list(answer), list(logprobs), "stop") for _ in batch]

    machine = compile_file(resolve_game("taboo")).machine
    task = build_task([machine], "guesser", Split("train"), limit=2)
    rollout = GameRollout(task, tokenizer, {"describer": parse_spec("scripted")}, RolloutSettings(max_new_tokens=8),
                          generate=generate)
    return rollout, task, tokenizer


def test_env_mask_covers_exactly_the_sampled_tokens(tiny_model):
    from collections import Counter

    rows: list = []
    rollout, task, tokenizer = _taboo_rollout(tiny_model, rows)
    prompts = [key for key in task.instances for _ in range(3)]  # as TRL's sampler repeats: groups of 3
    out = rollout(prompts)
    rollout.close()
    assert len(out["prompt_ids"]) == len(prompts) == len(out["episode_reward"])
    unused = Counter(context for context, *_ in rows)  # what the model was given, row by row
    assert len(rows) == sum(out["learner_turns"]) == 3 * len(prompts), "a wrong guess every turn: 3 turns each"
    answer, answer_logprobs = rows[0][1], rows[0][2]
    for i in range(len(prompts)):
        prompt, ids, mask, logprobs = (out[k][i] for k in ("prompt_ids", "completion_ids", "env_mask", "logprobs"))
        assert len(ids) == len(mask) == len(logprobs)
        position, runs = 0, 0
        while position < len(ids):
            while mask[position] == 0:  # the game's and the partner's tokens
                position += 1
            # each sampled run was generated from exactly the prompt + completion before it
            context = tuple(prompt) + tuple(ids[:position])
            assert unused[context] > 0, "the ids before a sampled run are what the model was given"
            unused[context] -= 1
            run = ids[position:position + len(answer)]
            assert run == answer and all(mask[position:position + len(answer)])
            assert logprobs[position:position + len(answer)] == pytest.approx(answer_logprobs)
            position += len(answer)
            runs += 1
        assert runs == out["learner_turns"][i] == 3
        assert sum(mask) == runs * len(answer), "mask 1 on the sampled ids only"
        assert all(lp == 0.0 for lp, m in zip(logprobs, mask) if not m)
        between = tokenizer.decode([t for t, m in zip(ids, mask) if not m])
        assert "CLUE:" in between and "GUESS: cold" not in between  # the describer's clues, never the guesses
        assert tokenizer.decode([t for t, m in zip(ids, mask) if m]).count("GUESS: cold") == 3
    assert not +unused, "every generated row is in some episode's completion"
    # every turn of every episode (group members included) samples with a seed of its own
    assert len({seed for *_, seed in rows}) == len(rows)
    assert len(set(out["episode"])) == len(prompts)
    assert out["outcome"] == ["lose"] * len(prompts) and out["episode_reward"] == [0.0] * len(prompts)


def test_episode_numbers_and_seeds_go_on_across_steps(tiny_model):
    rows: list = []
    rollout, task, _ = _taboo_rollout(tiny_model, rows)
    prompts = [key for key in task.instances for _ in range(2)]
    first = rollout(prompts)["episode"]
    second = rollout(prompts)["episode"]
    rollout.close()
    assert first == [0, 1, 2, 3] and second == [4, 5, 6, 7]
    assert len({seed for *_, seed in rows}) == len(rows) == 2 * 4 * 3


def test_a_template_that_rewrites_history_stops_training(tiny_model):
    from trainers.grpo_rollout import RolloutSetupError

    rollout, task, tokenizer = _taboo_rollout(tiny_model, [])
    tokenizer.chat_template = "{{ messages[-1]['content'] }}<|assistant|>\n"  # forgets every earlier turn
    with pytest.raises(RolloutSetupError, match="stable prefix"):
        rollout([next(iter(task.instances))] * 2)
    rollout.close()


def test_rewards():
    from trainers.grpo_rollout import episode_reward, game_reward

    def record(outcome, reward, ended_by=None):
        return {"outcome": outcome, "ended_by": ended_by, "scores": {"reward": reward}}

    assert episode_reward(record("win", 1.0), "guesser", True) == 1.0
    assert episode_reward(record("win", 1.7), "guesser", True) == 1.0  # clipped to [0, 1]
    assert episode_reward(record("lose", -2), "guesser", True) == 0.0
    assert episode_reward(record("lose", 0.25), "guesser", True) == 0.25
    assert episode_reward(record("abort", 0.5, "guesser"), "guesser", True) == 0.0  # the learner broke a rule
    assert episode_reward(record("abort", None, "describer"), "guesser", True) == 0.0
    assert episode_reward(record("error", None), "guesser", True) is None  # the machinery failed: no signal
    assert episode_reward(record("abort", 0.0, "describer"), "guesser", False) is None  # the learner never acted
    logged: list[tuple[str, float]] = []
    rewards = game_reward(["p"] * 3, ["c"] * 3, [[1]] * 3, episode_reward=[1.0, 0.0, None],
                          game=["taboo", "taboo", "wordle"], outcome=["win", "abort", "error"],
                          log_metric=lambda name, value: logged.append((name, value)))
    assert rewards == [1.0, 0.0, None]
    assert ("taboo/win", 1.0) in logged and ("taboo/played", 0.0) in logged and ("wordle/error", 1.0) in logged


def _check_run_folder(out: Path, episodes: int, learner: str, partner: str) -> list[dict]:
    from gamelang.runtime.runfolder import episode_key, read_run

    run = read_run(out / "episodes")
    assert not run.problems
    assert run.meta["status"] == "complete" and run.meta["training"]["method"] == "grpo"
    assert len(run.records) == episodes
    assert len({episode_key(r) for r in run.records}) == episodes, "unique (game, instance, episode, branch)"
    for r in run.records:
        assert r["branch"] == "" and r["players"][learner].startswith("grpo:") and r["players"]["host"] == partner
        assert r["outcome"] in ("win", "lose", "abort") and "grpo" in r
    return run.records


def test_grpo_steps_with_a_scripted_partner(tiny_model, echo_game, tmp_path, train_cli):
    from typer.testing import CliRunner

    from gamelang.cli import app
    from safetensors.torch import load_file

    from gamelang.players.base import make_player
    from gamelang.runtime.runfolder import read_run

    out = tmp_path / "grpo"
    result = train_cli("grpo", "--model", tiny_model, "--games", echo_game, "--learner", "player",
                       "--partner", "host=scripted", "--group", "2", "--batch-size", "4", "--max-steps", "2",
                       "--out", out, "--lr", "1e-3", "--set", "split=all", "--set", "max_new_tokens=6",
                       "--set", "save_steps=2")
    assert result.exit_code == 0, result.output
    assert "step 2: echo reward" in result.output and "training episodes in" in result.output
    assert "groups with a signal" in result.output  # the share of groups that can teach anything
    records = _check_run_folder(out, 8, "player", "scripted")
    assert read_run(out / "episodes").meta["split"] is None, "split=all: every instance"
    assert {r["grpo"]["step"] for r in records} == {0, 1}
    # some group had both a win and a loss (fixed seeds make this run the same every time): a real update
    assert {r["outcome"] for r in records} == {"win", "lose"}
    before, after = load_file(tiny_model / "model.safetensors"), load_file(out / "model.safetensors")
    assert any(not before[k].equal(after[k]) for k in before), "the policy's weights moved"
    # the games' records work with the other commands
    runner = CliRunner()
    assert runner.invoke(app, ["score", str(out / "episodes")]).exit_code == 0
    assert runner.invoke(app, ["transcript", str(out / "episodes"), "--out", str(tmp_path / "t")]).exit_code == 0
    assert (out / "checkpoint-2").is_dir()
    # the trained model plays as hf:OUT
    player = make_player(parse_spec(f"hf:{out}?temperature=0"))
    assert len(player.generate([[{"role": "user", "content": "Cue: e"}]], 4)) == 1
    player.close()
    # a second run into the same folder is refused; --overwrite starts afresh
    again = train_cli("grpo", "--model", tiny_model, "--games", echo_game, "--learner", "player", "--out", out,
                      "--group", "2", "--batch-size", "2", "--max-steps", "1", "--set", "split=all")
    assert again.exit_code == 2 and "--overwrite" in again.output


def test_grpo_steps_with_an_hf_partner(tiny_model, echo_game, tmp_path):
    from gamelang.testing import build_tiny_model
    from trainers import train
    from trainers.config import load_config

    partner = build_tiny_model(tmp_path / "partner", seed=1)
    out = tmp_path / "grpo-hf"
    spec = f"hf:{partner}?temperature=1"
    config = load_config("grpo", None, dict(model=str(tiny_model), games=[str(echo_game)], learner="player",
                                            partners={"host": spec}, group=2, batch_size=4, max_steps=2,
                                            out=str(out), lr=1e-3, split="all", max_new_tokens=6))
    result = train(config)
    assert result.steps == 2 and result.episodes == 8
    assert set(result.last) == {"echo"} and 0.0 <= result.last["echo"]["played"] <= 1.0
    records = _check_run_folder(out, 8, "player", spec)
    # the hf partner answered at the token level too; only the learner's tokens were trained on
    assert all(r["grpo"]["learner_tokens"] > 0 for r in records if r["outcome"] != "abort" or r["ended_by"] == "player")
    assert (out / "model.safetensors").is_file()


@pytest.mark.parametrize("args, message", [
    (["--games", "nosuch"], "no game file or game named 'nosuch'"),
    (["--learner", "judge"], "the learner 'judge' is not a role of game 'taboo'"),
    (["--partner", "describer=bogus:"], "unknown player 'bogus:'"),
    (["--partner", "describer"], "--partner takes ROLE=SPEC"),
    (["--partner", "giver=scripted"], "no game has a role 'giver'"),
    (["--partner", "guesser=scripted"], "'guesser' is the learner"),
    (["--group", "3"], "must be a multiple of group (3)"),
    (["--group", "2", "--set", "limit=3"], "a step plays 4 instances (8 episodes in groups of 2) but only 3"),
    (["--set", "data=x.jsonl"], "key 'data' is for sft, dpo, kto, not grpo"),
])
def test_clear_errors(tiny_model, tmp_path, train_cli, args, message):
    base = {"--games": "taboo", "--learner": "guesser"}
    for flag, value in zip(args[::2], args[1::2]):
        base.pop(flag, None)
    flat = [x for kv in base.items() for x in kv]
    result = train_cli("grpo", "--model", tiny_model, "--out", tmp_path / "o", *flat, *args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


class _FakeLogprob:
    def __init__(self, value):
        self.logprob, self.rank = value, 1


class _FakeLLM:
    """vLLM's LLM.generate as the backend sees it: RequestOutput.outputs[0] with token_ids and logprobs."""

    def __init__(self, eos: int):
        self.eos, self.calls = eos, []

    def generate(self, prompts, sampling_params, use_tqdm):
        from types import SimpleNamespace

        self.calls.append((prompts, sampling_params))
        outs = []
        for prompt, params in zip(prompts, sampling_params):
            # a reply that depends on the seed; rows with an even seed stop, the others run out of tokens
            ids = [7 + params.seed % 5] * (params.max_tokens - 1) + ([self.eos] if params.seed % 2 == 0 else [9])
            lps = [{t: _FakeLogprob(-0.5)} for t in ids]
            outs.append(SimpleNamespace(outputs=[SimpleNamespace(token_ids=ids, logprobs=lps)]))
        return outs


def test_vllm_colocate_backend_keeps_each_rows_settings(monkeypatch):
    import sys
    from types import ModuleType, SimpleNamespace

    from gamelang.players.chat import GenerationRow
    from trainers.grpo_vllm import VLLMBackend, VLLMUnsupported, check_vllm_setup

    fake = ModuleType("vllm")
    fake.SamplingParams = lambda **kw: SimpleNamespace(**kw)
    monkeypatch.setitem(sys.modules, "vllm", fake)
    llm = _FakeLLM(eos=2)
    trainer = SimpleNamespace(vllm_generation=SimpleNamespace(mode="colocate", llm=llm, generation_kwargs=None))
    rows = [GenerationRow([1, 5, 6], 4, 1.0, 1.0, seed=10), GenerationRow([1, 5], 3, 0.0, 0.9, seed=11)]
    got = VLLMBackend(frozenset({2}))(trainer, rows)
    prompts, params = llm.calls[0]
    assert [p["prompt_token_ids"] for p in prompts] == [[1, 5, 6], [1, 5]]
    assert [(p.seed, p.max_tokens, p.temperature, p.top_p, p.stop_token_ids) for p in params] == [
        (10, 4, 1.0, 1.0, [2]), (11, 3, 0.0, 0.9, [2])]
    assert got[0].token_ids == [7, 7, 7, 2] and got[0].finish_reason == "stop" and got[0].logprobs == [-0.5] * 4
    assert got[1].token_ids == [8, 8, 9] and got[1].finish_reason == "length"
    with pytest.raises(VLLMUnsupported, match="tensor_parallel_size 1"):
        check_vllm_setup("colocate", 2, 2)
    with pytest.raises(VLLMUnsupported, match="one training process"):
        check_vllm_setup("server", 1, 2)


def test_a_forward_pass_over_the_episode_gives_the_sampling_logprobs(tiny_model, echo_game):
    """What TRL computes for the loss (the model over prompt + completion) matches what was sampled."""
    import torch

    from gamelang.compiler import compile_file
    from gamelang.players.hf import generate_with_model, load_model
    from trainers.grpo_rollout import GameRollout, RolloutSettings, build_task

    model, tokenizer = load_model(str(tiny_model))
    task = build_task([compile_file(echo_game).machine], "player")
    stop = frozenset({tokenizer.eos_token_id})
    rollout = GameRollout(task, tokenizer, {"host": parse_spec("scripted")}, RolloutSettings(max_new_tokens=6),
                          generate=lambda trainer, rows: generate_with_model(model, tokenizer, rows, stop))
    out = rollout([key for key in task.instances for _ in range(2)])
    rollout.close()
    assert max(out["learner_turns"]) == 2, "some episode had two learner turns"
    for prompt, ids, mask, sampled in zip(out["prompt_ids"], out["completion_ids"], out["env_mask"], out["logprobs"]):
        with torch.no_grad():
            logits = model(torch.tensor([prompt + ids])).logits[0].float()
        logprobs = torch.log_softmax(logits[len(prompt) - 1:-1], dim=-1)  # position t predicts completion id t
        recomputed = logprobs[torch.arange(len(ids)), torch.tensor(ids)]
        for value, expected, m in zip(recomputed.tolist(), sampled, mask):
            if m:
                assert value == pytest.approx(expected, abs=1e-4)
