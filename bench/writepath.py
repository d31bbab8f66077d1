"""The write path: milliseconds per player turn of a whole run played in process, run folder written.

`gamelang.runtime.run.execute` plays every instance of the game with its scripted players (the
scheduler, the interpreter, the players) and writes the run folder (run.json, one record per
episode), for each fsync policy (docs/episodes.md, Durability). A turn is one player reply. The
interpreter alone (the same episodes replayed into GameEnv, as bench/interpreter.py does) is
printed beside it, so the difference is what running and writing add; so are the same episodes
played by the rollout engine and the scripted players with their records built but no folder
(what the scheduler and players add to the interpreter), and the share of the run that goes to
encoding the records as JSON lines (`encode_record`, the same records).

Then the default policy's runs are played again with their parts timed inside them (approximate:
the timing adds a little to each part): planning (reading and checking the instances), opening the
folder (and writing `run.json`), encoding the records, writing them, closing (the final `fsync`
and `run.json` again), and the rest (the engine, the players and the interpreter).

    python bench/writepath.py [--game taboo] [--repeat 7]
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gamelang.compiler import compile_file  # noqa: E402
from gamelang.instances import load_instances  # noqa: E402
from gamelang.registry import resolve_game  # noqa: E402
from gamelang.runtime.episode import GameEnv  # noqa: E402
from gamelang.runtime.rollout import Assignment, RolloutEngine  # noqa: E402
from gamelang.runtime import run as run_module, runfolder  # noqa: E402
from gamelang.runtime.run import RunSettings, execute, plan  # noqa: E402
from gamelang.runtime.runfolder import SyncPolicy, encode_record, read_run  # noqa: E402

TARGET_MS = 0.05
#: clemcore's per-turn cost with its logs written (issue 14, the same kind of machine), for reference.
CLEMCORE_MS = 0.517


def python_pass_ms(runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--game", default="taboo")
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()

    machine = compile_file(resolve_game(args.game)).machine
    instances = load_instances(machine)
    work = Path(tempfile.mkdtemp(prefix="gamelang-writepath-"))
    policies = ["episode", "group", "end"]
    rows = policies + ["engine", "interpreter", "encode"]
    wall: dict[str, list[float]] = {p: [] for p in rows}
    cpu: dict[str, list[float]] = {p: [] for p in rows}
    turns = 0
    scripts: dict = {}
    records: list[dict] = []
    try:
        for rep in range(args.repeat + 1):  # the first round warms up and is not counted
            for policy in policies:
                out = work / f"{policy}-{rep}"
                settings = RunSettings(out=out, sync=SyncPolicy.parse(policy))
                t0, c0 = time.perf_counter(), time.process_time()
                execute([machine], settings)
                t1, c1 = time.perf_counter(), time.process_time()
                if not scripts:
                    records = read_run(out).records  # as written: encoding them again costs what it did
                    scripts = {(r["experiment"], r["instance"]): [e["text"] for e in r["events"]
                                                                  if e["type"] == "reply"] for r in records}
                    turns = sum(len(v) for v in scripts.values())
                shutil.rmtree(out)
                if rep:
                    wall[policy].append(t1 - t0)
                    cpu[policy].append(c1 - c0)
            jobs = plan([machine], RunSettings(out=work))
            t0, c0 = time.perf_counter(), time.process_time()
            RolloutEngine(Assignment()).play(jobs, concurrency=RunSettings.concurrency, keep=False)
            t1, c1 = time.perf_counter(), time.process_time()
            if rep:
                wall["engine"].append(t1 - t0)
                cpu["engine"].append(c1 - c0)
            env = GameEnv(machine)
            t0, c0 = time.perf_counter(), time.process_time()
            for inst in instances:
                replies = iter(scripts[(inst.experiment, inst.id)])
                turn = env.reset(inst)
                while not turn.done:
                    turn = env.step(next(replies))
            t1, c1 = time.perf_counter(), time.process_time()
            if rep:
                wall["interpreter"].append(t1 - t0)
                cpu["interpreter"].append(c1 - c0)
            t0, c0 = time.perf_counter(), time.process_time()
            for record in records:
                encode_record(record)
            t1, c1 = time.perf_counter(), time.process_time()
            if rep:
                wall["encode"].append(t1 - t0)
                cpu["encode"].append(c1 - c0)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    unit = python_pass_ms()
    print(f"game {args.game}: {len(instances)} episodes, {turns} turns a run, medians of {args.repeat} runs; "
          f"unit: python -c pass = {unit:.1f} ms")
    print(f"{'':<38} {'wall ms/turn':>12} {'CPU ms/turn':>12} {'turns in 1 pass':>15}")
    labels = {"engine": "engine + players, records (no folder)", "interpreter": "interpreter alone (no folder)",
              "encode": "of a run: encoding the records"}
    for name in rows:
        w = 1000 * statistics.median(wall[name]) / turns
        c = 1000 * statistics.median(cpu[name]) / turns
        label = labels.get(name, f"run folder written, --fsync {name}")
        print(f"{label:<38} {w:>12.4f} {c:>12.4f} {unit / w:>15.0f}")
    parts = timed_parts(machine, args.repeat)
    print("inside a run (--fsync group, wall, medians): " + ", ".join(
        f"{name} {1e6 * seconds / turns:.1f} us" for name, seconds in parts.items()) + " a turn")
    best = 1000 * statistics.median(wall["group"]) / turns
    print(f"target: <= {TARGET_MS} ms/turn with the folder written (default --fsync group: {best:.4f}, "
          f"{best / TARGET_MS:.2f}x the target); clemcore logs at {CLEMCORE_MS} ms/turn (issue 14): "
          f"ratio {best / CLEMCORE_MS:.3f}")


def timed_parts(machine, repeat: int) -> dict[str, float]:
    """Seconds per run (medians) of the parts of a run with the default policy, each timed by
    wrapping its entry point for the duration: planning, opening the folder, encoding, writing,
    closing, and the rest of the run."""
    spent: dict[str, float] = {}
    clock = time.perf_counter

    def timed(fn, name):
        def wrapper(*args, **kwargs):
            t0 = clock()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + clock() - t0
        return wrapper

    places = [(run_module, "plan", "planning"), (runfolder.RunWriter, "__init__", "opening the folder"),
              (runfolder, "encode_record", "encoding"), (runfolder.RunWriter, "append", "appending"),
              (runfolder.RunWriter, "close", "closing (fsync, run.json)")]
    runs: list[dict[str, float]] = []
    with contextlib.ExitStack() as undo:
        work = Path(tempfile.mkdtemp(prefix="gamelang-writepath-parts-"))
        undo.callback(shutil.rmtree, work, ignore_errors=True)
        for owner, attr, name in places:
            undo.callback(setattr, owner, attr, getattr(owner, attr))
            setattr(owner, attr, timed(getattr(owner, attr), name))
        for rep in range(repeat + 1):
            spent.clear()
            out = work / f"parts-{rep}"
            t0 = clock()
            execute([machine], RunSettings(out=out, sync=SyncPolicy.parse("group")))
            total = clock() - t0
            shutil.rmtree(out)
            if rep:  # the first run warms up
                part = dict(spent)
                part["writing"] = part.pop("appending") - part["encoding"]  # append = encode + write
                part["the rest (engine, players, interpreter)"] = total - sum(part.values())
                runs.append(part)
    return {name: statistics.median(r[name] for r in runs) for name in runs[0]}


if __name__ == "__main__":
    main()
