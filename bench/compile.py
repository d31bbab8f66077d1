"""Compile-time figures for the shipped games, stage by stage, and `validate` cold and warm.

1. For each game, in this process (the parser built once, first; modules imported), the CPU time
   of each stage of `gamelang validate GAME`, medians of ``--runs`` runs:
   parse (reading and parsing the file and the files it imports; the parser itself, not the
   cache of parsed texts that commands use), spec (validating the parsed
   data into a GameSpec; the .game front end hands over expressions already built, the YAML form
   as text that is parsed here),
   check (the checker, without its templates), templates (Jinja: parse, analyse, generate code;
   Python's compile of that code waits for a template's first rendering), lower (building the
   machine) and instances (reading and checking the instance file). Each game is measured alone:
   the per-process memo of compiled templates is emptied before every run.
2. Whole processes, medians of interleaved rounds, against `python -c pass`: validating every
   shipped game with the compile cache cold (emptied before each round) and warm, through
   ``gamelang.validate.validate_paths`` (no command-line layer), and the `gamelang validate games`
   command as it is (it uses the cache unless given --no-cache).

    python bench/compile.py [--runs 5] [--rounds 5]
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
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import gamelang.compiler as compiler_mod  # noqa: E402
import gamelang.lang.checks  # noqa: E402,F401 (imports the checker's modules)
import gamelang.lang.loader as loader_mod  # noqa: E402
import gamelang.lang.templates as templates_mod  # noqa: E402
import gamelang.lang.yaml_loader as yaml_mod  # noqa: E402
import gamelang.parsedcache as parsed_mod  # noqa: E402
from gamelang.lang import parser as parser_mod  # noqa: E402
import gamelang.validate as validate_mod  # noqa: E402
from gamelang.lang.parser import get_parser  # noqa: E402

STAGES = ("parse", "spec", "check", "templates", "lower", "instances")
_spent: dict[str, float] = defaultdict(float)


def _timed(stage: str, fn):
    """``fn`` that adds its CPU time to ``stage``."""
    def wrapper(*args, **kwargs):
        t0 = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            _spent[stage] += time.process_time() - t0
    return wrapper


def _instrument() -> None:
    """Time the stages where they are called (module attributes), so the real code path runs."""
    original_compile = templates_mod.compile_template
    loader_mod.read_source = _timed("parse", loader_mod.read_source)
    # the parser itself: the cache of parsed texts (gamelang.parsedcache) is bypassed here, so that
    # "parse" is parsing (imported files too: gamelang.lang.imports looks the function up at each call)
    parsed_mod.parse_game_text = parser_mod.parse_game_text
    loader_mod.parse_game_text = _timed("parse", parser_mod.parse_game_text)
    loader_mod.resolve_imports = _timed("parse", loader_mod.resolve_imports)
    yaml_mod.parse_game_yaml = _timed("parse", yaml_mod.parse_game_yaml)
    loader_mod.validate_located = _timed("spec", loader_mod.validate_located)
    compiler_mod.check = _timed("check", compiler_mod.check)  # templates included: subtracted below
    for name, module in list(sys.modules.items()):  # the checker's modules that compile templates
        if name.startswith("gamelang.lang.") and getattr(module, "compile_template", None) is original_compile:
            module.compile_template = _timed("templates", original_compile)
    validate_mod._instance_diagnostics = _timed("instances", validate_mod._instance_diagnostics)

    class TimedBuilder(compiler_mod.MachineBuilder):
        def build(self):
            return _timed("lower", super().build)()

    compiler_mod.MachineBuilder = TimedBuilder


def stage_times(path: Path, runs: int) -> tuple[dict[str, float], float]:
    """Median CPU seconds per stage, and the median wall seconds of the whole, of validating ``path``."""
    per_stage: dict[str, list[float]] = defaultdict(list)
    walls = []
    for _ in range(runs):
        templates_mod._COMPILED.clear()
        _spent.clear()
        t0 = time.perf_counter()
        report = validate_mod.validate_file(path, check_instances=True, use_cache=False)
        walls.append(time.perf_counter() - t0)
        assert not isinstance(report, str) and not report.errors, (path, report)
        spent = dict(_spent)
        spent["check"] = spent.get("check", 0.0) - spent.get("templates", 0.0)
        spent["lower"] = spent.get("lower", 0.0)  # builder's own templates are in it
        for stage in STAGES:
            per_stage[stage].append(spent.get(stage, 0.0))
    return {s: statistics.median(v) for s, v in per_stage.items()}, statistics.median(walls)


def whole_processes(rounds: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="gamelang-bench-compile-"))
    cache = work / "cache"
    env = dict(os.environ, GAMELANG_CACHE_DIR=str(cache))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    script = "import sys; from pathlib import Path; from gamelang.validate import validate_paths; " \
             "sys.exit(validate_paths([Path('games')], use_cache={}).exit_code)"
    gamelang = Path(sys.executable).with_name("gamelang")
    cli = [str(gamelang)] if gamelang.is_file() else [sys.executable, "-m", "gamelang"]
    commands = {
        "python -c pass": ([sys.executable, "-c", "pass"], None),
        "validate_paths(games), cache off": ([sys.executable, "-c", script.format(False)], None),
        "validate_paths(games), cache cold": ([sys.executable, "-c", script.format(True)], "cold"),
        "validate_paths(games), cache warm": ([sys.executable, "-c", script.format(True)], None),
        "gamelang validate games (CLI as is)": (cli + ["validate", "games"], None),
    }
    wall: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    try:
        for cmd, _ in commands.values():  # warm-up: bytecode, parser tables, the compile cache
            subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(rounds):
            for name, (cmd, mode) in commands.items():
                if mode == "cold":
                    for entry in cache.glob("validate-*.json"):
                        entry.unlink()
                t0 = time.perf_counter()
                proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                _, status, usage = os.wait4(proc.pid, 0)
                wall[name].append(time.perf_counter() - t0)
                cpu[name].append(usage.ru_utime + usage.ru_stime)
                code = os.waitstatus_to_exitcode(status)
                if code != 0:
                    raise SystemExit(f"{name} exited with {code}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    unit_w, unit_c = statistics.median(wall["python -c pass"]), statistics.median(cpu["python -c pass"])
    print(f"\nwhole processes, medians of {rounds} interleaved rounds (the parser tables and parsed texts cached; "
          f"'cold'/'warm': the compile cache of validate results emptied before each round / kept)")
    print(f"{'command':<40} {'wall ms':>8} {'x pass':>7} {'CPU ms':>8} {'x pass':>7}")
    for name in commands:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        print(f"{name:<40} {1000 * w:>8.1f} {w / unit_w:>7.1f} {1000 * c:>8.1f} {c / unit_c:>7.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="runs per game for the stage figures")
    ap.add_argument("--rounds", type=int, default=5, help="rounds of the whole-process figures (0: none)")
    args = ap.parse_args()

    t0 = time.perf_counter()
    get_parser()
    print(f"parser (once per process, tables from the cache): {1000 * (time.perf_counter() - t0):.1f} ms")
    _instrument()
    games = sorted((ROOT / "games").glob("*/*.game")) + sorted((ROOT / "games").glob("*/*.game.yaml"))
    for path in games:  # warm-up: lazy imports, first-use caches
        validate_mod.validate_file(path, use_cache=False)

    print(f"\nCPU ms per stage of validating one game (medians of {args.runs} runs, in process)")
    print(f"{'game':<42}" + "".join(f"{s:>10}" for s in STAGES) + f"{'total':>10}{'wall':>10}")
    totals: dict[str, float] = defaultdict(float)
    total_wall = 0.0
    for path in games:
        stages, took = stage_times(path, args.runs)
        for s, v in stages.items():
            totals[s] += v
        total_wall += took
        name = str(path.relative_to(ROOT / "games"))
        print(f"{name:<42}" + "".join(f"{1000 * stages[s]:>10.1f}" for s in STAGES)
              + f"{1000 * sum(stages.values()):>10.1f}{1000 * took:>10.1f}")
    print(f"{'all ' + str(len(games)) + ' files':<42}" + "".join(f"{1000 * totals[s]:>10.1f}" for s in STAGES)
          + f"{1000 * sum(totals.values()):>10.1f}{1000 * total_wall:>10.1f}")

    if args.rounds:
        whole_processes(args.rounds)


if __name__ == "__main__":
    main()
