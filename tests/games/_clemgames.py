"""Helpers for the tests of clembench's games in games/, which name an instance by experiment and id:
playing a list of replies against one instance, golden replays (tests/games/golden/NAME.json), and
the reference players' win rate over a run. Compiling and playing are shared with _goal.py."""

from __future__ import annotations

import json
from pathlib import Path

from gamelang.runtime.episode import GameEnv
from tests.games._goal import GOLDEN, instances, machine, play_instance, summary

__all__ = ["GOLDEN", "check_golden", "instance", "machine", "play", "reference_win_rate", "write_golden"]


def instance(game: str, experiment: str, instance_id: str):
    return next(i for i in instances(game) if (i.experiment, i.id) == (experiment, instance_id))


def play(game: str, replies: list[str], experiment: str, instance_id: str, seed: int = 0) -> GameEnv:
    """Play the replies (to whichever role is asked) on one instance; every reply must be used."""
    return play_instance(game, instance(game, experiment, instance_id), replies, seed)


def check_golden(path: Path) -> None:
    """The case's replies give exactly the recorded outcome, scores and events."""
    case = json.loads(path.read_text())
    env = play(case["game"], case["replies"], case["experiment"], case["instance"], case.get("seed", 0))
    assert summary(env) == case["expected"]


def reference_win_rate(game: str, out: Path) -> tuple[float, list[dict]]:
    """Play every instance with the reference players in a run; the share won and the records."""
    from gamelang.runtime.run import RunSettings, execute
    from gamelang.runtime.runfolder import read_run

    execute([machine(game)], RunSettings(out=out, concurrency=16))
    records = list(read_run(out).latest().values())
    assert len(records) == len(instances(game))
    return sum(r["outcome"] == "win" for r in records) / len(records), records


def write_golden(name: str, game: str, experiment: str, instance_id: str, replies: list[str]) -> None:
    """Record a golden case (run by hand when a case is added; the test then keeps it)."""
    env = play(game, replies, experiment, instance_id)
    case = {"game": game, "experiment": experiment, "instance": instance_id, "seed": 0, "replies": replies,
            "expected": summary(env)}
    (GOLDEN / f"{name}.json").write_text(json.dumps(case, indent=2, ensure_ascii=False) + "\n")
