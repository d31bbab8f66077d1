"""Golden replays: a shipped game, an instance and the players' replies give exactly the expected
outcome, scores and sequence of events (tests/golden/replays/NAME.json and NAME.expected.json)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest

from gamelang.compiler import compile_file
from gamelang.instances import load_instances
from gamelang.registry import resolve_game
from gamelang.runtime.episode import GameEnv

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "replays"
CASES = sorted(p for p in GOLDEN.glob("*.json") if not p.name.endswith(".expected.json"))


@lru_cache(maxsize=None)
def machine(game: str):
    return compile_file(resolve_game(game)).machine


def replay(case: dict) -> dict:
    m = machine(case["game"])
    inst = next(i for i in load_instances(m) if (i.experiment, i.id) == (case["experiment"], case["instance"]))
    env = GameEnv(m)
    turn = env.reset(inst, case["seed"])
    replies = list(case["replies"])
    while not turn.done:
        turn = env.step(replies.pop(0))
    assert not replies, "the episode ended before every reply was used"
    return {"outcome": env.outcome, "reason": env.reason, "scores": env.scores,
            "events": [e["type"] + (":" + e["role"] if "role" in e else "") for e in env.events]}


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_replay_matches_golden(path: Path):
    got = replay(json.loads(path.read_text()))
    expected = json.loads(path.with_suffix(".expected.json").read_text())
    assert got == expected
