"""Fork cost against interpreter step cost, per shipped game.

A step is one reply given to the environment (``env.step``: parse, check, run the states, render
the next messages). A fork is ``env.fork()`` at the same point: what branching search pays at each
learner turn. Each figure is the median over every point of the reference players' episodes on
the game's instances, in microseconds; the last column is fork / step (the target is at most
about 1).

    python bench/fork.py [--limit 20] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gamelang.compiler import compile_file  # noqa: E402
from gamelang.instances import load_instances  # noqa: E402
from gamelang.registry import list_games, resolve_game  # noqa: E402
from gamelang.runtime.episode import GameEnv  # noqa: E402
from gamelang.runtime.rollout import Assignment, EpisodeJob, RolloutEngine  # noqa: E402


def measure(game: str, limit: int, repeat: int) -> tuple[float, float, int]:
    """(median step µs, median fork µs, points measured) over reference episodes of ``game``."""
    machine = compile_file(resolve_game(game)).machine
    instances = load_instances(machine)[:limit]
    rollouts = RolloutEngine(Assignment()).play([EpisodeJob(machine, inst, 0, i) for i, inst in enumerate(instances)])
    steps: list[float] = []
    forks: list[float] = []
    for rollout in rollouts:
        replies = [e["text"] for e in rollout.record["events"] if e["type"] == "reply"]
        for _ in range(repeat):
            env = GameEnv(machine)
            env.reset(rollout.env.instance, rollout.env.seed)
            for reply in replies:
                if env.done:
                    break
                t0 = time.perf_counter()
                env.fork()
                t1 = time.perf_counter()
                env.step(reply)
                t2 = time.perf_counter()
                forks.append(t1 - t0)
                steps.append(t2 - t1)
    return statistics.median(steps) * 1e6, statistics.median(forks) * 1e6, len(forks)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=20, help="instances per game")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(f"{'game':<16} {'points':>7} {'step µs':>9} {'fork µs':>9} {'fork/step':>10}")
    for game, path in sorted(list_games().items()):
        step, fork, n = measure(str(path), args.limit, args.repeat)
        print(f"{game:<16} {n:>7} {step:>9.1f} {fork:>9.1f} {fork / step:>10.2f}")


if __name__ == "__main__":
    main()
