"""Batched generation through the scheduler, with a tiny local model.

A two-role game (every reply parses, three rounds, so six requests an episode) is played with
the same `hf:` player in every role, at concurrency 1, 8 and 32. Reported: episodes per second,
the speed-up over concurrency 1, and the scheduler's overhead: the run's wall time against the
time spent inside `generate`, and against plain batched `generate` re-run directly on the very
batches the scheduler formed.

    python bench/batching.py [--episodes 64] [--tokens 16]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gamelang.compiler import compile_loaded  # noqa: E402
from gamelang.instances import make_instance  # noqa: E402
from gamelang.lang.loader import load_spec_text  # noqa: E402
from gamelang.players import parse_spec  # noqa: E402
from gamelang.players.hf import HFPlayer  # noqa: E402
from gamelang.runtime.scheduler import Assignment, EpisodeJob, run_jobs  # noqa: E402
from gamelang.testing import CHATTER_GAME as GAME, build_tiny_model  # noqa: E402

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=64)
    ap.add_argument("--tokens", type=int, default=16, help="new tokens per reply")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        model = build_tiny_model(Path(tmp) / "tiny")
        game_path = Path(tmp) / "chatter.game"
        game_path.write_text(GAME)
        machine = compile_loaded(load_spec_text(GAME, str(game_path), path=game_path)).machine
        # every reply is exactly --tokens long, so that runs and re-runs do the same work
        spec = parse_spec(f"hf:{model}?temperature=1.0&max_new_tokens={args.tokens}&min_new_tokens={args.tokens}"
                          "&seed=1&batch_size=64")
        jobs = [EpisodeJob(machine, make_instance(machine, {"topic": f"topic {i}"}, i), 0, i)
                for i in range(args.episodes)]

        assignment = Assignment(default=spec)
        player: HFPlayer = assignment.player_for("a")
        batches: list[list] = []
        generate_time = [0.0]
        original = HFPlayer.generate_rows

        def timed(self, rows):
            t0 = time.perf_counter()
            try:
                return original(self, rows)
            finally:
                generate_time[0] += time.perf_counter() - t0
                batches.append(rows)

        player.generate_rows = timed.__get__(player)
        player.generate([[{"role": "user", "content": "warm up"}]] * 4, args.tokens)  # first-call costs
        results = {}
        for concurrency in (1, 8, 32):
            batches.clear()
            generate_time[0] = 0.0
            records: list[dict] = []
            t0 = time.perf_counter()
            run_jobs(jobs, assignment, concurrency, records.append)
            wall = time.perf_counter() - t0
            results[concurrency] = (wall, generate_time[0], list(batches), records)

        base = results[1][0]
        print(f"{args.episodes} episodes of 6 requests, {args.tokens} new tokens a reply, tiny Llama on "
              f"{player.model.device}\n")
        print(f"{'concurrency':>11} {'episodes/s':>11} {'speed-up':>9} {'batches':>8} {'in generate':>12} "
              f"{'overhead':>9}")
        for c, (wall, gen, b, records) in results.items():
            assert len(records) == args.episodes
            print(f"{c:>11} {args.episodes / wall:>11.1f} {base / wall:>8.1f}x {len(b):>8} {gen:>11.2f}s "
                  f"{100 * (wall - gen) / gen:>8.1f}%")

        # the same comparison once more, best of three on both sides (a 2-core machine is noisy)
        player.generate_rows = original.__get__(player)
        batches32 = results[32][2]
        walls, plains = [], []
        for _ in range(3):
            t0 = time.perf_counter()
            run_jobs(jobs, assignment, 32, lambda record: None)
            walls.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            for rows in batches32:
                original(player, rows)
            plains.append(time.perf_counter() - t0)
        wall32, plain = min(walls), min(plains)
        print(f"\nplain batched generate on the same {len(batches32)} batches: {plain:.2f}s; "
              f"scheduler at concurrency 32: {wall32:.2f}s; ratio {wall32 / plain:.2f} "
              f"(overhead {100 * (wall32 - plain) / plain:.1f}%; best of 3 each)")


if __name__ == "__main__":
    main()
