"""Compile-time figures for the shipped games, and the start-up cost of `gamelang validate`.

For each game: the time to load (parse + validate into a spec), check, and build the machine,
averaged over repeated runs in one process (the parser is built once, first). Then the wall time
of `gamelang validate GAME` in a fresh process, as a ratio to `python -c pass`.

    python bench/compile.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gamelang.lang.checks import check  # noqa: E402
from gamelang.lang.loader import load_spec  # noqa: E402
from gamelang.lang.parser import get_parser  # noqa: E402
from gamelang.machine import MachineBuilder  # noqa: E402


def time_phases(path: Path, runs: int) -> tuple[float, float, float]:
    load_t, check_t, build_t = [], [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        loaded = load_spec(path)
        t1 = time.perf_counter()
        analysis = check(loaded)
        t2 = time.perf_counter()
        MachineBuilder(loaded, analysis, "bench").build()
        t3 = time.perf_counter()
        load_t.append(t1 - t0)
        check_t.append(t2 - t1)
        build_t.append(t3 - t2)
    return statistics.median(load_t), statistics.median(check_t), statistics.median(build_t)


def wall(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()

    t0 = time.perf_counter()
    get_parser()
    print(f"parser build (once per process): {1000 * (time.perf_counter() - t0):.1f} ms\n")

    games = sorted((ROOT / "games").glob("*/*.game")) + sorted((ROOT / "games").glob("*/*.game.yaml"))
    print(f"{'game':<32} {'parse ms':>9} {'check ms':>9} {'compile ms':>11} {'total ms':>9}")
    for path in games:
        load_ms, check_ms, build_ms = (1000 * x for x in time_phases(path, args.runs))
        name = str(path.relative_to(ROOT / "games"))
        print(f"{name:<32} {load_ms:>9.2f} {check_ms:>9.2f} {build_ms:>11.2f} {load_ms + check_ms + build_ms:>9.2f}")

    runs = max(3, args.runs // 4)
    base = wall([sys.executable, "-c", "pass"], runs)
    validate = wall([sys.executable, "-m", "gamelang", "validate", "--no-instances", "games/taboo/taboo.game"], runs)
    print(f"\nstart-up: python -c pass {1000 * base:.0f} ms; gamelang validate taboo {1000 * validate:.0f} ms; "
          f"ratio {validate / base:.1f}x")


if __name__ == "__main__":
    main()
