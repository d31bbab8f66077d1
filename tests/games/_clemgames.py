"""Helpers for the tests of the clembench games in games/: the reference players' win rate, golden
replays (tests/games/golden/NAME.json holds the game, instance, replies and the expected result),
and playing a list of replies against one instance."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from gamelang.compiler import compile_file
from gamelang.instances import load_instances
from gamelang.registry import resolve_game
from gamelang.runtime.episode import GameEnv

GOLDEN = Path(__file__).resolve().parent / "golden"


@lru_cache(maxsize=None)
def machine(game: str):
    result = compile_file(resolve_game(game))
    assert result.ok, result.render()
    return result.machine


def instance(game: str, experiment: str, instance_id: str):
    return next(i for i in load_instances(machine(game)) if (i.experiment, i.id) == (experiment, instance_id))


def play(game: str, replies: list[str], experiment: str, instance_id: str, seed: int = 0) -> GameEnv:
    """Play the replies (to whichever role is asked) on one instance; every reply must be used."""
    env = GameEnv(machine(game))
    turn = env.reset(instance(game, experiment, instance_id), seed)
    replies = list(replies)
    while not turn.done:
        assert replies, f"the game asked {turn.role} for more replies than given"
        turn = env.step(replies.pop(0))
    assert not replies, f"{len(replies)} replies were not used"
    return env


def summary(env: GameEnv) -> dict:
    return {"outcome": env.outcome, "reason": env.reason, "scores": env.scores,
            "events": [e["type"] + (":" + e["role"] if "role" in e else "") for e in env.events]}


def golden_cases(game: str) -> list[Path]:
    return sorted(GOLDEN.glob(f"{game}_*.json"))


def check_golden(path: Path) -> None:
    """The case's replies give exactly the recorded outcome, scores and events."""
    case = json.loads(path.read_text())
    env = play(case["game"], case["replies"], case["experiment"], case["instance"], case.get("seed", 0))
    assert json.loads(json.dumps(summary(env))) == case["expected"]


def reference_win_rate(game: str, out: Path) -> tuple[float, list[dict]]:
    """Play every instance with the reference players; the share won and the records."""
    from gamelang.runtime.run import RunSettings, execute
    from gamelang.runtime.runfolder import read_run

    execute([machine(game)], RunSettings(out=out, concurrency=16))
    records = list(read_run(out).latest().values())
    assert len(records) == len(load_instances(machine(game)))
    return sum(r["outcome"] == "win" for r in records) / len(records), records


def write_golden(name: str, game: str, experiment: str, instance_id: str, replies: list[str]) -> None:
    """Record a golden case (run by hand when a case is added; the test then keeps it)."""
    env = play(game, replies, experiment, instance_id)
    case = {"game": game, "experiment": experiment, "instance": instance_id, "seed": 0, "replies": replies,
            "expected": json.loads(json.dumps(summary(env)))}
    (GOLDEN / f"{name}.json").write_text(json.dumps(case, indent=2, ensure_ascii=False) + "\n")
