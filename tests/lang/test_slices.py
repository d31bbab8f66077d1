"""Slices in expressions: `xs[1:]`, `xs[:3]`, `s[a:b]`, `xs[::2]` on lists and texts."""

from __future__ import annotations

import pytest

from gamelang.lang import expr as ex
from gamelang.lang.evaluate import compile_expr
from gamelang.lang.functions import EvalError
from gamelang.lang.loader import load_spec_text
from gamelang.lang.parser import parse_expression
from gamelang.lang.typecheck import Symbol, TypeChecker
from gamelang.lang.types import INT, STR, ListT
from tests.conftest import compile_text, play


def evaluate(text: str, **env):
    return compile_expr(parse_expression(text))(env)


SCOPE = {"xs": Symbol("xs", ListT(INT), "var"), "s": Symbol("s", STR, "var"), "n": Symbol("n", INT, "var"),
         "m": Symbol("m", INT, "var")}


def check(text: str) -> tuple[str, list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    t = TypeChecker(SCOPE, lambda code, pos, msg, hint=None: problems.append((code, msg))).check(
        parse_expression(text))
    return str(t), problems


@pytest.mark.parametrize("text, expected", [
    ("xs[1:]", [2, 3, 4, 5]),
    ("xs[:3]", [1, 2, 3]),
    ("xs[1:3]", [2, 3]),
    ("xs[-2:]", [4, 5]),
    ("xs[:]", [1, 2, 3, 4, 5]),
    ("xs[::2]", [1, 3, 5]),
    ("xs[1::2]", [2, 4]),
    ("xs[10:]", []),  # out of range bounds give a shorter part, as in Python
    ("xs[n:m]", [2, 3]),
    ("s[1:4]", "ell"),
    ("s[:n]", "h"),
    ("s[-1:]", "o"),
    ("len(xs[1:]) + 1", 5),
    ("[x * 2 for x in xs[:2]]", [2, 4]),
])
def test_evaluation(text, expected):
    assert evaluate(text, xs=[1, 2, 3, 4, 5], s="hello", n=1, m=3) == expected


def test_a_step_that_is_not_positive_is_a_runtime_error():
    with pytest.raises(EvalError, match="step of a slice must be positive"):
        evaluate("xs[::n]", xs=[1, 2], n=0)


@pytest.mark.parametrize("text", ["xs[1:]", "xs[:3]", "s[n:m]", "xs[::2]", "xs[n + 1:len(xs) - 1:2]", "xs[:][0]"])
def test_printing_then_parsing_gives_the_same_tree(text):
    e = parse_expression(text)
    assert ex.unparse(e) == text
    assert parse_expression(ex.unparse(e)) == e


@pytest.mark.parametrize("text, expected", [("xs[1:]", "list[int]"), ("s[:n]", "str"), ("xs[:2][0]", "int")])
def test_types(text, expected):
    assert check(text) == (expected, [])


@pytest.mark.parametrize("text, fragment", [
    ('xs["a":]', "the start of a slice must be int, but this is str"),
    ("s[:1.5]", "the end of a slice must be int"),
    ("xs[::0]", "the step of a slice must be positive"),
    ("xs[::-1]", "the step of a slice must be positive"),
    ("n[1:]", "int cannot be sliced"),
])
def test_type_errors(text, fragment):
    _, problems = check(text)
    assert [code for code, _ in problems] == ["GL0017"]
    assert fragment in problems[0][1]


GAME = """
game g { version 1 }
instance { names: list[str] = ["alpha", "beta", "gamma"] }
role a { intro "Say something. The first two words: {{ names[:2] | join(', ') }}" }
move said by a = regex /(?P<text>.+)/
var rest: list[str] = names[1:]
state s {
  ask a
  parse said
  if said.text[:3] == rest[0][:3] end win
  end lose "said {{ said.text }}"
}
"""

YAML = """
game: {name: g, version: 1}
instance: {names: {type: "list[str]", default: [alpha, beta, gamma]}}
roles: {a: {intro: "Say something. The first two words: {{ names[:2] | join(', ') }}"}}
moves: {said: {by: a, regex: (?P<text>.+)}}
vars: {rest: {type: "list[str]", init: "names[1:]"}}
states:
  s:
    - ask: a
    - parse: said
    - {if: "said.text[:3] == rest[0][:3]", end: win}
    - {end: lose, reason: "said {{ said.text }}"}
"""


def test_a_game_slices_and_both_forms_agree(tmp_path):
    m = compile_text(GAME, tmp_path)
    assert play(m, ["bet on it"]).outcome == "win"
    assert play(m, ["alpha"]).outcome == "lose"
    a, b = load_spec_text(GAME), load_spec_text(YAML, "g.game.yaml")
    assert not a.diags.has_errors and not b.diags.has_errors, b.diags.items
    assert a.spec == b.spec
