"""Branching search speed: nodes expanded per second, and a fork against replaying from the start.

A JOSH search over wordle with a learner that guesses by its request's seed (so sibling branches
differ) and no model, so that the figures are the search's own cost: forking, the interpreter,
the rollout rounds. A node is one learner reply in a tree. The second table compares forking an
episode at its k-th learner turn with rebuilding that point by replaying the episode from the
start (what a search without episode state as a value would do).

    python bench/search.py [--trees 30] [--beam 8]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gamelang.compiler import compile_file  # noqa: E402
from gamelang.instances import load_instances  # noqa: E402
from gamelang.players.base import Player  # noqa: E402
from gamelang.registry import resolve_game  # noqa: E402
from gamelang.runtime.episode import GameEnv  # noqa: E402
from gamelang.runtime.rollout import Assignment, EpisodeJob, RolloutEngine  # noqa: E402
from trainers.search import Search, SearchSettings  # noqa: E402


class SeededGuesser(Player):
    """Guesses a word chosen by the request's seed."""

    def __init__(self, words: list[str]) -> None:
        super().__init__("seeded")
        self.words = words

    def respond(self, requests):
        return [f"explanation: a try\nguess: {random.Random(r.seed).choice(self.words)}" for r in requests]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trees", type=int, default=30)
    ap.add_argument("--beam", type=int, default=8)
    args = ap.parse_args()
    machine = compile_file(resolve_game("wordle")).machine
    instances = load_instances(machine)[: args.trees]
    words = sorted(machine.consts.get("words", []) or [i.data["target_word"] for i in instances])[:200]
    words += [i.data["target_word"] for i in instances]
    engine = RolloutEngine(Assignment(roles={"guesser": SeededGuesser(words)}))
    jobs = [EpisodeJob(machine, inst, 0, k) for k, inst in enumerate(instances)]
    trees = []
    t0 = time.perf_counter()
    Search(engine, SearchSettings(learner="guesser", beam=args.beam)).grow(jobs, lambda t, ended: trees.append(t))
    wall = time.perf_counter() - t0
    nodes = sum(len(t.nodes) - 1 for t in trees)
    print(f"{len(trees)} JOSH trees (beam {args.beam}) over wordle: {nodes} nodes in {wall:.2f}s = "
          f"{nodes / wall:,.0f} nodes/s; statuses: "
          + ", ".join(f"{s} {sum(t.status == s for t in trees)}" for s in sorted({t.status for t in trees})))

    print(f"\n{'learner turn':>12} {'fork µs':>9} {'replay µs':>10} {'replay/fork':>12}")
    replies = [f"explanation: a try\nguess: {w}" for w in words[:5]]
    for k in range(1, 6):
        forks, replays = [], []
        for inst in instances:
            env = GameEnv(machine)
            env.reset(inst, 0)
            for reply in replies[:k]:
                if not env.done:
                    env.step(reply)
            t0 = time.perf_counter()
            env.fork()
            forks.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            again = GameEnv(machine)
            again.reset(inst, 0)
            for reply in replies[:k]:
                if not again.done:
                    again.step(reply)
            replays.append(time.perf_counter() - t0)
        fork, replay = statistics.median(forks) * 1e6, statistics.median(replays) * 1e6
        print(f"{k:>12} {fork:>9.1f} {replay:>10.1f} {replay / fork:>11.1f}x")


if __name__ == "__main__":
    main()
