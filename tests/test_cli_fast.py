"""Plain command lines are read without typer (gamelang/cli_fast.py): every command line the fast
reader accepts, typer reads into the same arguments; everything else is left to typer; and a
command run either way prints the same and exits with the same code."""

from __future__ import annotations

import functools
import os
import random
import subprocess
import sys
from enum import Enum
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from gamelang import cli
from gamelang.cli_fast import _specs, parse_plain
from gamelang.cli_params import OptionParam, declared_params, typer_signature
from tests.conftest import ROOT

FAST = [name for name in cli.COMMANDS if declared_params(cli.load_target(name))]


def typer_reads(func, args: list[str]):
    """The keyword arguments typer calls ``func`` with for ``args`` (None: typer refused them)."""
    seen: dict = {}

    def record(**kwargs):
        seen.update(kwargs)

    functools.update_wrapper(record, func)  # the same name, help, annotations and parameters
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)
    app.command()(typer_signature(record))
    result = CliRunner().invoke(app, args)
    return seen if result.exit_code == 0 and result.exception is None else None


def sample(spec, rng: random.Random) -> str:
    """A value to try for a parameter: mostly plain ones, now and then one typer must judge."""
    base = spec.base
    if isinstance(base, type) and issubclass(base, Enum):
        plain, odd = [e.value for e in base], ["nope", ""]
    else:
        plain, odd = {str: (["abc", "two words", "ünï", "a=b"], ["", "-x"]),
                      int: (["3", "2", "12"], ["0", "-2", "1_0", "x", " 3"]),
                      float: (["0.5", "2", ".5", "-1.5"], ["1e3", "nan", "x"]),
                      Path: (["some/dir", "f.jsonl"], ["", "-"])}.get(base, (["x"], []))
    return rng.choice(plain if rng.random() < 0.9 or not odd else odd)


def command_lines(func, count: int, rng: random.Random) -> list[list[str]]:
    """Random command lines for ``func``: its options in both spellings, flags, repeated lists,
    positional values, in random order."""
    specs = _specs(func)
    lines = []
    for _ in range(count):
        parts: list[list[str]] = []
        values: list[str] = []
        for spec in specs:
            if isinstance(spec.param, OptionParam):
                if spec.param.default is not ... and rng.random() < 0.7:  # most options are left out
                    continue
                for _ in range(2 if spec.many and rng.random() < 0.5 else 1):
                    name = rng.choice(list(spec.flag_values))
                    if spec.flag_values[name] is not None:
                        parts.append([name])
                    elif name.startswith("--") and rng.random() < 0.3:
                        parts.append([f"{name}={sample(spec, rng)}"])
                    else:
                        parts.append([name, sample(spec, rng)])
            else:
                for _ in range(rng.choice([1, 1, 2] if spec.many else [0] + [1] * 9)):
                    values.append(rng.choice(["games/taboo", "x.game", "r1"]) if spec.base in (str, Path)
                                  else sample(spec, rng))
        rng.shuffle(parts)
        slots = sorted(rng.randint(0, len(parts)) for _ in values)
        for k, (slot, value) in enumerate(zip(slots, values)):  # among the options, in their order
            parts.insert(slot + k, [value])
        lines.append([token for part in parts for token in part])
    return lines


@pytest.mark.parametrize("name", FAST)
def test_typer_reads_every_command_line_the_fast_reader_accepts_the_same_way(name):
    func = cli.load_target(name)
    rng = random.Random(name)
    accepted = 0
    lines = command_lines(func, 60, rng)
    for args in lines:
        fast = parse_plain(func, args)
        if fast is None:
            continue
        accepted += 1
        slow = typer_reads(func, args)
        assert slow is not None, (name, args, fast)
        assert {k: (type(v), v) for k, v in fast.items()} == {k: (type(v), v) for k, v in slow.items()}, (name, args)
    # the reader must do its job: most of these lines are plain
    assert accepted >= len(lines) // 3, (name, accepted)


@pytest.mark.parametrize("args", [
    ["--help"], ["-h"], ["games", "--help"], ["--"], ["games", "--", "x"], ["--no-such-option"],
    ["games", "-"], ["--format"], ["--format", "yaml"], ["-fjson", "games"], ["--format", "json", "--format", "text"],
    ["--cache=1", "games"], [],
])
def test_the_fast_reader_leaves_anything_unusual_to_typer(args):
    assert parse_plain(cli.load_target("validate"), args) is None


def test_the_fast_reader_declines_out_of_range_values_and_values_that_look_like_options():
    run = cli.load_target("run")
    assert parse_plain(run, ["taboo", "--limit", "0"]) is None  # min=1: typer says why
    assert parse_plain(run, ["taboo", "--out", "-x"]) is None
    assert parse_plain(run, ["taboo", "--limit", "2", "--out", "o"])["limit"] == 2


def test_an_environment_variable_typer_reads_sends_the_line_to_typer(monkeypatch):
    serve = cli.load_target("serve")
    args = ["taboo", "--role", "guesser"]
    monkeypatch.delenv("GAMELANG_API_KEY", raising=False)
    plain = parse_plain(serve, args)
    assert plain is not None and plain["api_key"] is None
    monkeypatch.setenv("GAMELANG_API_KEY", "k")
    assert parse_plain(serve, args) is None


def gamelang(*args: str, typer_only: bool = False, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "GAMELANG_TYPER_ONLY": "1" if typer_only else ""}
    return subprocess.run([sys.executable, "-m", "gamelang", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


@pytest.mark.parametrize("args", [
    ["validate", "games/taboo", "games/wordle", "--no-cache"],
    ["validate", "--format", "json", "games/taboo"],
    ["validate", "tests/golden/diagnostics"],
    ["validate", "no/such/file.game"],
    ["graph", "taboo", "-f", "dot"],
    ["games"],
    ["run", "no-such-game"],
])
def test_a_command_prints_the_same_and_exits_the_same_with_or_without_typer(args):
    fast, slow = gamelang(*args), gamelang(*args, typer_only=True)
    assert (fast.returncode, fast.stdout, fast.stderr) == (slow.returncode, slow.stdout, slow.stderr)


def test_a_plain_validate_imports_neither_typer_nor_pydantic_when_its_cache_is_warm(tmp_path):
    code = ("import sys\nfrom gamelang.cli import main\n"
            "try:\n    main(['validate', 'games/taboo'])\nexcept SystemExit as done:\n    code = done.code\n"
            "print(code, sorted(m for m in ('typer', 'pydantic', 'click') if m in sys.modules))")
    env = {**os.environ, "GAMELANG_CACHE_DIR": str(tmp_path), "GAMELANG_TYPER_ONLY": ""}
    for _ in range(2):  # the first fills the cache (compiling imports pydantic), the second reads it
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300,
                              env=env)
    assert proc.stdout.splitlines()[-1] == "0 []", proc.stdout + proc.stderr
