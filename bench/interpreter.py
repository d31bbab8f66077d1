"""Interpreter speed: turns per second and microseconds per turn over all taboo instances.

The scripted players' replies are collected once; then every episode is replayed straight into
the environment (reset + step), so that the time measured is the interpreter's own: running the
states, rendering the game's messages, parsing and checking replies, scoring. A turn is one
request answered. The end-to-end figure with the scheduler and scripted players is printed too.

Wall time is what a run waits for; CPU time (time.process_time) moves less on a busy machine.
The anchor is TextArena's cost per step on Taboo-v0, 17 us, as measured for issue 14 on the same
kind of machine (TextArena is not a dependency and is not run here).

    python bench/interpreter.py [--game taboo --game wordle] [--repeat 20]
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
from gamelang.registry import resolve_game  # noqa: E402
from gamelang.runtime.episode import GameEnv  # noqa: E402
from gamelang.runtime.scheduler import Assignment, EpisodeJob, run_jobs  # noqa: E402


#: TextArena's cost per step on Taboo-v0 (issue 14), in microseconds.
TEXTARENA_US = 17.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--game", action="append", help="a game (repeatable; default taboo and wordle)")
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    for game in args.game or ["taboo", "wordle"]:
        measure(game, args.repeat)


def measure(game: str, repeat: int) -> None:
    machine = compile_file(resolve_game(game)).machine
    instances = load_instances(machine)
    jobs = [EpisodeJob(machine, inst, 0, 0) for inst in instances]
    records: list[dict] = []
    t0 = time.perf_counter()
    run_jobs(jobs, Assignment(), 8, records.append)
    end_to_end = time.perf_counter() - t0
    scripts = {(r["experiment"], r["instance"]): [e["text"] for e in r["events"] if e["type"] == "reply"]
               for r in records}
    turns = sum(len(v) for v in scripts.values())

    env = GameEnv(machine)
    timings, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        for inst in instances:
            replies = iter(scripts[(inst.experiment, inst.id)])
            turn = env.reset(inst)
            while not turn.done:
                turn = env.step(next(replies))
        timings.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    best = min(timings)
    median = statistics.median(timings)
    cpu_us = 1e6 * statistics.median(cpu) / turns
    print(f"game {game}: {len(instances)} episodes, {turns} turns per pass, {repeat} passes")
    print(f"interpreter only: {turns / median:,.0f} turns/s, {1e6 * median / turns:.1f} us/turn "
          f"(median; best {1e6 * best / turns:.1f} us/turn), CPU {cpu_us:.1f} us/turn; "
          f"{1e6 * median / turns / TEXTARENA_US:.2f}x TextArena's {TEXTARENA_US:g} us/step (target <= 1)")
    print(f"end to end with scripted players and the scheduler: {turns / end_to_end:,.0f} turns/s, "
          f"{1e6 * end_to_end / turns:.1f} us/turn (one pass, includes rendering the players' replies)")


if __name__ == "__main__":
    main()
