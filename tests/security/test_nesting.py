"""Defect 7 of issue 15: deep nesting is a positioned diagnostic, never an internal RecursionError."""

from __future__ import annotations

from pathlib import Path

import pytest

from gamelang.compiler import compile_file
from gamelang.validate import validate_paths
from tests.conftest import play

HEAD = 'game g { version 1 }\nrole a { intro "x" }\nmove m by a = regex /x/\n'


def game(tmp_path: Path, decls: str = "", body: str = "end win", name: str = "g.game") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + decls + "\nstate s {\n  ask a\n  parse m\n  " + body + "\n  end lose\n}\n")
    return path


def diagnostics(path: Path) -> list:
    outcome = validate_paths([path])
    assert not outcome.usage_problems
    return [d for r in outcome.reports for d in r.diagnostics if d.is_error]


DEEP = {
    "10k not": lambda t: game(t, "const c: bool = " + "not " * 10_000 + "true"),
    "50k +": lambda t: game(t, "const c: int = " + "1 + " * 50_000 + "1"),
    "3k nested if": lambda t: game(t, body="if true { " * 3000 + "end win" + " }" * 3000),
    "100k-deep list": lambda t: game(t, "const c: list[int] = " + "[" * 100_000 + "]" * 100_000),
    "deep type": lambda t: game(t, "var c: " + "list[" * 3000 + "int" + "]" * 3000 + " = []"),
    "deep template expression": lambda t: game(
        t, body='tell a "{{ ' + "(" * 3000 + "1" + ")" * 3000 + ' }}"\n  end win'),
}


@pytest.mark.parametrize("case", DEEP, ids=list(DEEP))
def test_deep_nesting_is_a_positioned_diagnostic(tmp_path, case):
    errors = diagnostics(DEEP[case](tmp_path))
    assert errors, "a deeply nested game must not validate"
    assert all(d.pos.line >= 1 and d.pos.column >= 1 for d in errors)
    # GL0040 where the nesting passes the limit; GL0005 when the file has more tokens than a parse reads
    assert any(d.code in ("GL0040", "GL0022", "GL0005") for d in errors), [(d.code, d.message) for d in errors]


@pytest.mark.parametrize("suffix, text", [
    (".jsonl", '{"x": ' + "[" * 100_000 + "]" * 100_000 + "}\n"),
    (".json", "[" * 100_000 + "]" * 100_000),
    (".jsonl", '{"x": [' + "9" * 5000 + "]}\n"),
])
def test_deep_or_huge_instance_data_is_an_instance_diagnostic(tmp_path, suffix, text):
    (tmp_path / f"inst{suffix}").write_text(text)
    path = game(tmp_path, f'instance {{ x: list[int] }}\ninstances "inst{suffix}"')
    errors = diagnostics(path)
    assert [d.code for d in errors] == ["GL0037"], [(d.code, d.message) for d in errors]


def test_deep_json_constant_file_is_a_diagnostic(tmp_path):
    (tmp_path / "c.json").write_text("[" * 100_000 + "]" * 100_000)
    errors = diagnostics(game(tmp_path, 'const c: list[int] from "c.json"'))
    assert [d.code for d in errors] == ["GL0040"]


def test_deep_yaml_is_a_diagnostic(tmp_path):
    path = tmp_path / "g.game.yaml"
    nested = "".join("  " * i + "- if: true\n" + "  " * i + "  then:\n" for i in range(400))
    path.write_text("game: {name: g, version: 1}\nroles: {a: {intro: x}}\nstates:\n  s:\n" + nested)
    errors = diagnostics(path)
    assert errors and all(d.pos.line >= 1 for d in errors)


def test_nesting_below_the_limit_compiles_and_plays(tmp_path):
    decls = ("var a: bool = " + "not " * 150 + "true\n"  # 150 is even: a is true
             + "var b: int = " + "1 + " * 150 + "1\n"
             + "var c: int = " + "(" * 150 + "2" + ")" * 150 + "\n")
    body = "if a { " * 40 + "end win" + " }" * 40 + "\n  if b == 151 end win"
    result = compile_file(game(tmp_path, decls, body))
    assert result.ok, result.render()
    env = play(result.machine, ["x"])
    assert env.outcome == "win"
