"""`matches`, `search` and `find_all`: regex tests in expressions, under RE2 with a constant pattern
checked when the game is compiled."""

from __future__ import annotations

import pytest

from gamelang.lang import expr as ex
from gamelang.lang.evaluate import compile_expr
from gamelang.lang.functions import EvalError, compiled_regex
from gamelang.lang.loader import load_spec_text
from gamelang.lang.parser import parse_expression
from gamelang.lang.typecheck import Symbol, TypeChecker
from gamelang.lang.types import STR
from gamelang.validate import validate_paths
from tests.conftest import compile_text, play

SCOPE = {"s": Symbol("s", STR, "var")}


def check(text: str) -> tuple[str, list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    t = TypeChecker(SCOPE, lambda code, pos, msg, hint=None: problems.append((code, msg))).check(
        parse_expression(text))
    return str(t), problems


def evaluate(text: str, s: str):
    return compile_expr(parse_expression(text))({"s": s})


@pytest.mark.parametrize("text, s, expected", [
    ("matches(s, /yes/)", "oh yes!", True),
    ("matches(s, /^yes$/)", "oh yes!", False),
    ("matches(s, /^YES/i)", "yes, sure", True),
    ("matches(s, /a.b/)", "a\nb", False),
    ("matches(s, /a.b/s)", "a\nb", True),
    ("matches(s, /^b$/m)", "a\nb", True),
    ('matches(s, "[0-9]+")', "room 12", True),
    ("search(s, /[0-9]+/)", "room 12 and 13", "12"),
    ("search(s, /ANSWER:\\s*(\\w+)/)", "ANSWER: paris", "paris"),  # the first group
    ("search(s, /[0-9]+/)", "none", ""),
    ("find_all(s, /[0-9]+/)", "1, 22 and 333", ["1", "22", "333"]),
    ("find_all(s, /(\\w+)=\\d/)", "a=1 b=2", ["a", "b"]),
    ("find_all(s, /x/)", "", []),
    ("matches(s, /a\\/b/)", "a/b", True),
    ("matches(s, /\\pL+/)", "éé", True),
])
def test_evaluation(text, s, expected):
    assert check(text)[1] == []
    assert evaluate(text, s) == expected


@pytest.mark.parametrize("text", ["matches(s, /a\\/b/i)", "search(s, /(x)y/)", 'matches(s, "a")'])
def test_printing_then_parsing_gives_the_same_tree(text):
    e = parse_expression(text)
    assert ex.unparse(e) == text and parse_expression(text) == e


def test_a_regex_literal_does_not_clash_with_division():
    e = parse_expression("a / b / c")
    assert isinstance(e, ex.Binary) and e.op == "/" and isinstance(e.left, ex.Binary)


@pytest.mark.parametrize("text, code, fragment", [
    ("matches(s, /a(/)", "GL0021", "missing )"),
    ("matches(s, /(a)\\1/)", "GL0021", "invalid escape sequence"),  # no backreferences: linear time
    ("matches(s, /(?=a)/)", "GL0021", "does not compile"),  # no lookaround
    ("matches(s, /a/x)", "GL0021", "unknown regex flag 'x'"),
    ("matches(s, s)", "GL0018", "must be a constant"),
    ('matches(s, "' + "a" * 2001 + '")', "GL0021", "at most 2,000 characters"),
    ("/a/ + s", "GL0017", "only the pattern of matches()"),
    ("matches(1, /a/)", "GL0018", "cannot be called with (int, str)"),
])
def test_errors(text, code, fragment):
    _, problems = check(text)
    assert [c for c, _ in problems] == [code]
    assert fragment in problems[0][1]


def test_runtime_patterns_in_templates_are_bounded():
    with pytest.raises(EvalError, match="at most 2,000"):
        compiled_regex("a" * 2001)
    with pytest.raises(EvalError, match="does not compile"):
        compiled_regex("a(")


GAME = """
game g { version 1 }
role a { intro "Answer with ANSWER: <city>. {{ 'ok' if matches('x1', '[0-9]') }}" }
move said by a = regex /(?s)(?P<text>.*)/
state s {
  ask a
  parse said
  check matches(said.text, /^ANSWER:/i) else reprompt 1 "Start with ANSWER:"
  if search(said.text, /ANSWER:\\s*(\\w+)/i) == "paris" end win
  end lose "said {{ search(said.text, '[A-Za-z]+$') }}"
}
limits { requests 4 }
"""

YAML = r"""
game: {name: g, version: 1}
roles: {a: {intro: "Answer with ANSWER: <city>. {{ 'ok' if matches('x1', '[0-9]') }}"}}
moves: {said: {by: a, regex: '(?s)(?P<text>.*)'}}
states:
  s:
    - ask: a
    - {check: 'matches(said.text, /^ANSWER:/i)', else: {reprompt: 1, message: "Start with ANSWER:"}}
    - {if: 'search(said.text, /ANSWER:\s*(\w+)/i) == "paris"', end: win}
    - {end: lose, reason: "said {{ search(said.text, '[A-Za-z]+$') }}"}
limits: {requests: 4}
"""


def test_a_game_tests_replies_with_regexes_in_both_forms(tmp_path):
    m = compile_text(GAME, tmp_path)
    assert play(m, ["Paris?", "answer: paris"]).outcome == "win"
    env = play(m, ["ANSWER: rome"])
    assert env.outcome == "lose" and env.reason == "said rome"
    a = load_spec_text(GAME)
    b = load_spec_text(YAML.replace("    - {check", "    - parse: said\n    - {check"), "g.game.yaml")
    assert not a.diags.has_errors and not b.diags.has_errors, b.diags.items
    assert a.spec == b.spec


def test_a_bad_pattern_in_a_yaml_game_is_positioned(tmp_path):
    path = tmp_path / "g.game.yaml"
    path.write_text(YAML.replace("/^ANSWER:/i", "/^ANSWER:(/i").replace("    - {check", "    - parse: said\n    - {check"))
    found = [(d.code, d.pos.line) for r in validate_paths([path]).reports for d in r.diagnostics]
    assert found == [("GL0021", 9)]
