"""Episodes per second of every game of the library, played by its reference players.

Every game under games/ is found afresh (a new game is measured as soon as it is there): each is
compiled, and all its instances (or the first --limit) are played with the game's scripted
players through the scheduler, as `gamelang run` plays them, without writing a run folder. The
time is the median of --repeat passes; the win rate shows the reference players do what they
should. A game that does not compile, or has a role without a reference player, is listed with
the reason and skipped.

    python bench/library.py [--limit N] [--repeat 3] [--concurrency 8] [--games DIR]
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
from gamelang.registry import game_files_under  # noqa: E402
from gamelang.runtime.scheduler import Assignment, EpisodeJob, run_jobs  # noqa: E402


def measure(path: Path, limit: int | None, repeat: int, concurrency: int) -> dict:
    """Compile and play one game; its figures, or the reason it was skipped."""
    result = compile_file(path)
    if result.machine is None:
        return {"game": path.stem, "skipped": "does not compile: " + result.render().splitlines()[0]}
    machine = result.machine
    missing = [role for role in machine.roles if machine.reference_player(role) is None]
    if missing:
        return {"game": machine.name, "skipped": f"no reference player for {', '.join(missing)}"}
    instances = load_instances(machine)[:limit] if limit else load_instances(machine)
    timings, records = [], []
    for _ in range(repeat):
        records = []
        jobs = [EpisodeJob(machine, inst, 0, 0) for inst in instances]
        t0 = time.perf_counter()
        run_jobs(jobs, Assignment(), concurrency, records.append)
        timings.append(time.perf_counter() - t0)
    median = statistics.median(timings)
    requests = sum(sum(e["type"] == "ask" for e in r["events"]) for r in records)
    wins = sum(r["outcome"] == "win" for r in records)
    return {"game": machine.name, "episodes": len(records), "episodes_per_s": len(records) / median,
            "ms_per_episode": 1000 * median / len(records), "requests_per_episode": requests / len(records),
            "win_pct": 100 * wins / len(records),
            "errors": sum(r["outcome"] == "error" for r in records)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--games", type=Path, default=ROOT / "games", help="the folder of games (default: games/)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N instances of each game")
    ap.add_argument("--repeat", type=int, default=3, help="passes per game; the median is shown")
    ap.add_argument("--concurrency", type=int, default=8)
    args = ap.parse_args()

    print(f"{'game':<22} {'episodes':>8} {'episodes/s':>11} {'ms/episode':>11} {'requests/ep':>12} {'win %':>6}")
    for path in game_files_under(args.games):
        row = measure(path, args.limit, args.repeat, args.concurrency)
        if "skipped" in row:
            print(f"{row['game']:<22} skipped: {row['skipped']}")
            continue
        errors = f"  ({row['errors']} errors)" if row["errors"] else ""
        print(f"{row['game']:<22} {row['episodes']:>8} {row['episodes_per_s']:>11,.0f} {row['ms_per_episode']:>11.2f} "
              f"{row['requests_per_episode']:>12.1f} {row['win_pct']:>6.1f}{errors}")


if __name__ == "__main__":
    main()
