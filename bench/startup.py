"""Whole-process figures: `gamelang --help`, `gamelang validate games`, `gamelang run taboo`, each
as a ratio to `python -c pass` measured in the same run (the unit that makes machines compare).

The commands are run in turn, round after round (paired and interleaved, so that a busy machine
slows them alike), and the medians are compared. Caches are warm, as on a user's machine after the
first command: Python's bytecode (PYTHONDONTWRITEBYTECODE is unset for the children), the
parser tables (gamelang.parsercache), the parsed .game texts (gamelang.parsedcache) and the clean
reports of `validate` (gamelang.compilecache); `validate` with `--no-cache` (every game checked,
parser tables and parsed texts cached), and `validate` and `run` with every cache empty (a user's
very first command) are printed too.

With clem (clemcore) at hand, `clem run -g taboo -m mock` is timed alongside `gamelang run taboo`,
from clembench's taboo folder (`--clem-taboo DIR`: clem finds the game in the folder it runs in).
clembench's taboo needs nltk and its English stop words; without network, put a list of them
in $NLTK_DATA/corpora/stopwords/english (games/taboo/stopwords_en.txt is that list):

    python bench/startup.py [--rounds 9] [--clem PATH] [--clem-taboo CLEMBENCH/taboo]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Targets of issue 14, as ratios to `python -c pass` (and to clem for the run).
TARGETS = {"help": 4.0, "validate": 8.0}
RUN_TARGET_VS_CLEM = 1 / 15
#: clem's figure from issue 14 (2 cores, the machine the issue was measured on), for when clem is absent.
CLEM_ISSUE_S = 7.13


def gamelang() -> list[str]:
    script = Path(sys.executable).with_name("gamelang")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "gamelang"]


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child: user + system) of one run of ``cmd``."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - t0
    err = proc.stderr.read() if proc.stderr else b""
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({code}): {err.decode()[-2000:]}")
    return took, usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--clem", help="the clem command (default: clem on PATH)")
    ap.add_argument("--clem-taboo", type=Path, help="clembench's taboo folder, where clem is run")
    args = ap.parse_args()

    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    work = Path(tempfile.mkdtemp(prefix="gamelang-bench-"))
    cold_cache = work / "cold-cache"
    cold_env = dict(env, GAMELANG_CACHE_DIR=str(cold_cache))
    clem = args.clem or shutil.which("clem")
    if clem and not args.clem_taboo:
        print("clem is installed but --clem-taboo is not given: clem is left out")
        clem = None
    runs = iter(range(10**6))

    def run_out() -> list[str]:
        out = work / f"run{next(runs)}"
        return gamelang() + ["run", "taboo", "--out", str(out)]

    commands: dict[str, tuple] = {
        "python -c pass": (lambda: [sys.executable, "-c", "pass"], env),
        "gamelang --help": (lambda: gamelang() + ["--help"], env),
        "gamelang validate games": (lambda: gamelang() + ["validate", "games"], env),
        "gamelang validate games --no-cache": (lambda: gamelang() + ["validate", "--no-cache", "games"], env),
        "gamelang validate games (cold caches)": (lambda: gamelang() + ["validate", "games"], cold_env),
        "gamelang run taboo (60 episodes)": (run_out, env),
        "gamelang run taboo (cold caches)": (run_out, cold_env),
    }
    if clem:
        commands["clem run -g taboo -m mock"] = (lambda: [clem, "run", "-g", "taboo", "-m", "mock",
                                                                 "-r", str(work / "clem-results")], env,
                                                  args.clem_taboo.resolve())
    times: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    try:
        for name, (cmd, cenv, *cwd) in commands.items():  # warm-up: bytecode, parser tables, file cache
            timed(cmd(), cenv, cwd[0] if cwd else ROOT)
        for _ in range(args.rounds):
            for name, (cmd, cenv, *cwd) in commands.items():
                if cenv is cold_env:
                    shutil.rmtree(cold_cache, ignore_errors=True)
                wall, used = timed(cmd(), cenv, cwd[0] if cwd else ROOT)
                times[name].append(wall)
                cpu[name].append(used)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    med = {name: statistics.median(v) for name, v in times.items()}
    med_cpu = {name: statistics.median(v) for name, v in cpu.items()}
    unit, unit_cpu = med["python -c pass"], med_cpu["python -c pass"]
    print(f"whole processes, medians of {args.rounds} interleaved rounds; unit: python -c pass = "
          f"{1000 * unit:.1f} ms wall, {1000 * unit_cpu:.1f} ms CPU")
    print("(wall is what a user waits for; CPU time, user + system, moves less on a busy machine)")
    print(f"{'command':<46} {'wall ms':>8} {'x pass':>7} {'CPU ms':>8} {'x pass':>7}  target")
    for name, value in med.items():
        key = "help" if "--help" in name else "validate" if name == "gamelang validate games" else None
        target = f"<= {TARGETS[key]:g}x" if key else ""
        print(f"{name:<46} {1000 * value:>8.1f} {value / unit:>7.1f} {1000 * med_cpu[name]:>8.1f} "
              f"{med_cpu[name] / unit_cpu:>7.1f}  {target}")
    run = med["gamelang run taboo (60 episodes)"]
    if clem:
        name = "clem run -g taboo -m mock"
        print(f"gamelang run taboo / clem run -g taboo -m mock = {run / med[name]:.3f} wall, "
              f"{med_cpu['gamelang run taboo (60 episodes)'] / med_cpu[name]:.3f} CPU "
              f"(target <= {RUN_TARGET_VS_CLEM:.3f})")
    else:
        print(f"clem is not installed: gamelang run taboo is {run:.2f} s here, {run / unit:.0f}x python -c pass; "
              f"against clem's {CLEM_ISSUE_S} s from issue 14 (another day, same kind of machine) that would be "
              f"{run / CLEM_ISSUE_S:.3f} (target <= {RUN_TARGET_VS_CLEM:.3f})")


if __name__ == "__main__":
    main()
