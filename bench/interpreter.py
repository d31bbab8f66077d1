"""Interpreter speed: turns per second and microseconds per turn over all taboo instances.

The scripted players' replies are collected once; then every episode is replayed straight into
the environment (reset + step), so that the time measured is the interpreter's own: running the
states, rendering the game's messages, parsing and checking replies, scoring. A turn is one
request answered. The end-to-end figure with the scheduler and scripted players is printed too.

Wall time is what a run waits for; CPU time (time.process_time) moves less on a busy machine,
and its best pass least of all. The anchor is TextArena's cost per step on Taboo-v0, 17 us, as
measured for issue 14 on the same kind of machine. TextArena is not a dependency; with
``--textarena PYTHON`` (a Python that has it installed), bench/textarena_taboo.py measures its
step on this machine too, and the ratio to that is printed beside the anchor's.

A second set of passes, with the parts timed, says where a turn's time goes: rendering the game's
templates, parsing replies (RE2's matcher, about 1.5-2 us a reply, within it), the rest (the
interpreter's own bookkeeping, expressions, events). They play a machine compiled again for them,
whose parsers and templates are wrapped before its blocks are written: the blocks call a move's
``parse_value`` and a template's fast renderer themselves, not ``parse`` and ``render``. Timing
the parts adds a little to each, so the shares are approximate; the headline figures come from
the passes without it.

With ``--all``, every shipped game instead, one line each (the interpreter alone, CPU per turn,
best pass): the games with tools, queries and comprehensions cost more per turn than taboo and
wordle, and this is where a change to them shows.

    python bench/interpreter.py [--game taboo --game wordle] [--repeat 20] [--no-breakdown]
                                [--textarena PYTHON]
    python bench/interpreter.py --all [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gamelang.compiler import compile_file  # noqa: E402
from gamelang.instances import load_instances  # noqa: E402
from gamelang.registry import resolve_game  # noqa: E402
from gamelang.lang import templates  # noqa: E402
from gamelang.lang.moves import MoveParser  # noqa: E402
from gamelang.runtime.episode import GameEnv  # noqa: E402
from gamelang.runtime.scheduler import Assignment, EpisodeJob, run_jobs  # noqa: E402


#: TextArena's cost per step on Taboo-v0 (issue 14), in microseconds.
TEXTARENA_US = 17.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--game", action="append", help="a game (repeatable; default taboo and wordle)")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--no-breakdown", action="store_true", help="skip the passes that time the parts")
    ap.add_argument("--all", action="store_true", help="every shipped game, one line each")
    ap.add_argument("--textarena", metavar="PYTHON",
                    help="a Python with TextArena: its Taboo-v0 step measured here too")
    args = ap.parse_args()
    if args.all:
        every_game(args.repeat)
        return
    turn_us = {game: measure(game, args.repeat, not args.no_breakdown) for game in args.game or ["taboo", "wordle"]}
    if args.textarena:
        measured = textarena_step_us(args.textarena)
        if measured is None:
            return
        fresh, reused = measured
        print(f"TextArena Taboo-v0 on this machine: {fresh:.1f} us/step with a new env per episode, {reused:.1f} "
              f"with one env for every episode (issue 14: {TEXTARENA_US:g})")
        print("gamelang, per turn, against it: " + ", ".join(
            f"{game} {us / fresh:.2f}x" for game, us in turn_us.items()))


def textarena_step_us(python: str) -> tuple[float, float] | None:
    """TextArena's Taboo-v0 step, in microseconds, run by ``python`` (bench/textarena_taboo.py):
    with a new env per episode, and with one env for every episode; None (and why, printed) where
    it cannot be run."""
    try:
        done = subprocess.run([python, str(ROOT / "bench" / "textarena_taboo.py"), "--rounds", "3"],
                              capture_output=True, text=True)
        out = done.stdout.split()
        if done.returncode == 0 and len(out) >= 2:
            return float(out[-2]), float(out[-1])
        why = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
    except (OSError, ValueError) as err:
        why = str(err)
    print(f"TextArena could not be measured with {python}: {why}")
    return None


def every_game(repeat: int) -> None:
    """One line per shipped game: the interpreter alone, CPU per turn, best of ``repeat`` passes."""
    print(f"{'game':<20} {'episodes':>8} {'turns':>6} {'us/turn':>8}  (interpreter alone, CPU, best of {repeat} passes;"
          f" TextArena's Taboo-v0: {TEXTARENA_US:g} us/step)")
    for path in sorted((ROOT / "games").glob("*/*.game")):
        machine = compile_file(path).machine
        instances = load_instances(machine)
        one_pass, turns = replayer(machine, instances)
        cpu = []
        for _ in range(repeat):
            c0 = time.process_time()
            one_pass()
            cpu.append(time.process_time() - c0)
        print(f"{path.parent.name:<20} {len(instances):>8} {turns:>6} {1e6 * min(cpu) / max(turns, 1):>8.1f}")


def scripted_replies(machine, instances) -> tuple[dict[tuple[str, str], list[str]], float]:
    """The scripted players' replies in each episode of ``instances`` (collected by a run with the
    scheduler), and the seconds that run took."""
    records: list[dict] = []
    t0 = time.perf_counter()
    run_jobs([EpisodeJob(machine, inst, 0, 0) for inst in instances], Assignment(), 8, records.append)
    seconds = time.perf_counter() - t0
    return {(r["experiment"], r["instance"]): [e["text"] for e in r["events"] if e["type"] == "reply"]
            for r in records}, seconds


def replay(env: GameEnv, instances, scripts: dict[tuple[str, str], list[str]]) -> Callable[[], None]:
    """One pass: every episode replayed into ``env`` (reset, then a step per recorded reply)."""
    def one_pass() -> None:
        for inst in instances:
            replies = iter(scripts[(inst.experiment, inst.id)])
            turn = env.reset(inst)
            while not turn.done:
                turn = env.step(next(replies))
    return one_pass


def replayer(machine, instances) -> tuple[Callable[[], None], int]:
    """A pass replaying the scripted players' replies into one env, and the turns in a pass."""
    scripts, _ = scripted_replies(machine, instances)
    return replay(GameEnv(machine), instances, scripts), sum(len(v) for v in scripts.values())


def measure(game: str, repeat: int, breakdown: bool = True) -> float:
    """Print the interpreter's figures for ``game``; return its median wall time per turn, in us."""
    machine = compile_file(resolve_game(game)).machine
    instances = load_instances(machine)
    scripts, end_to_end = scripted_replies(machine, instances)
    turns = sum(len(v) for v in scripts.values())

    one_pass = replay(GameEnv(machine), instances, scripts)
    timings, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        one_pass()
        timings.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    best = min(timings)
    median = statistics.median(timings)
    cpu_us = 1e6 * statistics.median(cpu) / turns
    print(f"game {game}: {len(instances)} episodes, {turns} turns per pass, {repeat} passes")
    print(f"interpreter only: {turns / median:,.0f} turns/s, {1e6 * median / turns:.1f} us/turn "
          f"(median; best {1e6 * best / turns:.1f} us/turn), CPU {cpu_us:.1f} us/turn "
          f"(best {1e6 * min(cpu) / turns:.1f}); "
          f"{1e6 * median / turns / TEXTARENA_US:.2f}x TextArena's {TEXTARENA_US:g} us/step (target <= 1)")
    if breakdown:
        timed_machine = compile_file(resolve_game(game)).machine  # its blocks are not written yet
        parts = timed_parts(replay(GameEnv(timed_machine), instances, scripts), max(1, repeat // 2), timed_machine)
        # the rest: the best pass without the timing, less the parts (the interpreter's own work)
        parts["total"] = min(cpu)
        parts["interpreter (the rest)"] = max(0.0, min(cpu) - parts["templates"] - parts["reply parsing"])
        order = ("templates", "reply parsing", "interpreter (the rest)")
        print("where a turn's CPU time goes (approximate, best pass): "
              + ", ".join(f"{name} {1e6 * parts.get(name, 0.0) / turns:.1f} us "
                          f"({100 * parts.get(name, 0.0) / parts['total']:.0f}%)" for name in order))
    print(f"end to end with scripted players and the scheduler: {turns / end_to_end:,.0f} turns/s, "
          f"{1e6 * end_to_end / turns:.1f} us/turn (one pass, includes rendering the players' replies)")
    return 1e6 * median / turns


def timed_parts(one_pass, repeat: int, machine) -> dict[str, float]:
    """Seconds per pass spent rendering templates, parsing replies and in the rest, with the parts'
    entry points wrapped for the duration (then put back): ``render`` and ``renderer`` of the
    templates, ``parse`` and ``parse_value`` of ``machine``'s moves, which ``one_pass`` plays
    with blocks not yet written (they take the wrapped functions). What the timing itself adds
    inside a part (measured on an empty function) is taken off each call."""
    spent: Counter[str] = Counter()
    calls: Counter[str] = Counter()
    clock = time.process_time  # CPU time: moves least on a busy machine
    names = {"render": "templates", "renderer": "templates", "parse": "reply parsing",
             "parse_value": "reply parsing"}
    saved = [(owner, attr, getattr(owner, attr)) for owner, attr in
             [(templates.CompiledTemplate, "render"), (templates.CompiledTemplate, "renderer"),
              (MoveParser, "parse")]]
    saved += [(parser, "parse_value", parser.parse_value) for parser in machine.moves.values()
              if parser.parse_value is not None]

    def timed(fn, name):
        def wrapper(*args, **kwargs):
            t0 = clock()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += clock() - t0
                calls[name] += 1
        return wrapper

    empty = timed(lambda: None, "empty")
    for _ in range(10_000):
        empty()
    inside = spent.pop("empty") / calls.pop("empty")  # the timing's own share of a timed call
    def timed_renderer(renderer):  # the fast renderer it makes is what the blocks call
        def wrapper(template):
            made = renderer(template)
            return timed(made, "templates") if made is not None else None
        return wrapper

    for owner, attr, fn in saved:
        setattr(owner, attr, timed_renderer(fn) if attr == "renderer" else timed(fn, names[attr]))
    try:
        best: dict[str, float] | None = None
        for _ in range(repeat):
            spent.clear()
            calls.clear()
            c0 = clock()
            one_pass()
            total = clock() - c0
            parts = {name: spent[name] - inside * calls[name] for name in spent}
            if best is None or total < best["total"]:
                best = {**parts, "total": total}
    finally:
        for owner, attr, fn in saved:
            setattr(owner, attr, fn)
    assert best is not None
    best.setdefault("templates", 0.0)
    best.setdefault("reply parsing", 0.0)
    return best


if __name__ == "__main__":
    main()
