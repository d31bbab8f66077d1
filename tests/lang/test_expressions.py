"""The expression language: parsing, printing, type checking and evaluation."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gamelang.lang import expr as ex
from gamelang.lang.evaluate import compile_expr
from gamelang.lang.functions import EvalError
from gamelang.lang.parser import LangSyntaxError, parse_expression
from gamelang.lang.typecheck import Symbol, TypeChecker
from gamelang.lang.types import BOOL, FLOAT, INT, STR, ListT, MapT, RecordT


def evaluate(text: str, **env):
    return compile_expr(parse_expression(text))(env)


def type_of(text: str, scope: dict | None = None) -> tuple[str, list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    checker = TypeChecker(scope or {}, lambda code, pos, msg, hint=None: problems.append((code, msg)))
    return str(checker.check(parse_expression(text))), problems


# ------------------------------------------------------------------ round trip
names = st.sampled_from(["a", "b", "turn", "clue", "x_1"])
leaves = st.one_of(
    st.integers(min_value=0, max_value=10**6).map(ex.Lit),
    st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False).map(ex.Lit),
    st.text(max_size=8).map(ex.Lit),
    st.booleans().map(ex.Lit),
    names.map(ex.Name),
)


def _extend(children):
    return st.one_of(
        st.tuples(st.sampled_from(list(ex.PRECEDENCE.keys() - {"not", "neg"})), children, children)
        .map(lambda t: ex.Binary(t[0], t[1], t[2])),
        children.map(lambda c: ex.Unary("not", c)),
        # the parser reads `-5` as the number -5, so negated numbers are generated that way
        children.map(lambda c: ex.Lit(-c.value) if isinstance(c, ex.Lit) and type(c.value) in (int, float)
                     else ex.Unary("-", c)),
        st.tuples(children, names).map(lambda t: ex.Field(t[0], t[1].name if isinstance(t[1], ex.Name) else t[1])),
        st.tuples(children, children).map(lambda t: ex.Index(t[0], t[1])),
        st.tuples(children, st.one_of(st.none(), children), st.one_of(st.none(), children),
                  st.one_of(st.none(), children)).map(lambda t: ex.Slice(*t)),
        st.lists(children, max_size=3).map(lambda items: ex.Call("len", tuple(items))),
        st.tuples(children, children, children).map(lambda t: ex.IfExpr(*t)),
        st.lists(children, max_size=3).map(lambda items: ex.ListLit(tuple(items))),
        st.tuples(children, children, st.one_of(st.none(), children))
        .map(lambda t: ex.Comprehension(t[0], ("x",), t[1], t[2])),
        st.tuples(children, children, st.one_of(st.none(), children))
        .map(lambda t: ex.Comprehension(t[0], ("i", "x"), t[1], t[2])),
        st.tuples(st.sampled_from(["sorted", "any", "all", "count", "sum", "min", "max"]), children, children)
        .map(lambda t: ex.Call(t[0], (t[1], ex.KeyFunction("y", t[2])))),
    )


expressions = st.recursive(leaves, _extend, max_leaves=10)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(expressions)
def test_printing_then_parsing_gives_the_same_tree(e):
    text = ex.unparse(e)
    assert parse_expression(text) == e, text


def test_precedence_and_associativity():
    assert ex.unparse(parse_expression("a - (b - c)")) == "a - (b - c)"
    assert ex.unparse(parse_expression("(a - b) - c")) == "a - b - c"
    assert ex.unparse(parse_expression("not a and b or c")) == "not a and b or c"
    assert ex.unparse(parse_expression("not (a and b)")) == "not (a and b)"
    assert evaluate("2 + 3 * 4") == 14
    assert evaluate("(2 + 3) * 4") == 20
    assert evaluate("10 - 4 - 3") == 3


def test_positions_are_relative_to_the_expression():
    e = parse_expression("a +\n  foo(b)")
    call = e.right
    assert (call.pos.line, call.pos.column) == (2, 3)


def test_syntax_errors_carry_a_position():
    with pytest.raises(LangSyntaxError) as info:
        parse_expression("a == = b")
    assert (info.value.line, info.value.column) == (1, 6)


# ------------------------------------------------------------------ evaluation
@pytest.mark.parametrize("text, env, expected", [
    ("1 + 2", {}, 3),
    ("7 / 2", {}, 3.5),
    ("7 // 2", {}, 3),
    ("7 % 3", {}, 1),
    ("-x", {"x": 4}, -4),
    ('"ab" + "cd"', {}, "abcd"),
    ("[1] + [2, 3]", {}, [1, 2, 3]),
    ('"b" in "abc"', {}, True),
    ("2 in [1, 2]", {}, True),
    ('"k" in m', {"m": {"k": 1}}, True),
    ("3 not in [1, 2]", {}, True),
    ("if(x > 1, \"big\", \"small\")", {"x": 5}, "big"),
    ("xs[1]", {"xs": [5, 6]}, 6),
    ("xs[-1]", {"xs": [5, 6]}, 6),
    ("r.a", {"r": {"a": 9}}, 9),
    ('m["k"]', {"m": {"k": "v"}}, "v"),
    ("len(w) == 5 and lower(w) == \"crane\"", {"w": "CRANE"}, True),
    ("not true or false", {}, False),
    ("1 < 2", {}, True),
    ('"a" < "b"', {}, True),
])
def test_evaluation(text, env, expected):
    assert evaluate(text, **env) == expected


def test_only_the_chosen_branch_of_if_is_evaluated():
    assert evaluate("if(true, 1, 1 / 0)") == 1


@pytest.mark.parametrize("text, env, message", [
    ("1 / 0", {}, "division by zero"),
    ("1 // 0", {}, "division by zero"),
    ("xs[5]", {"xs": [1]}, "out of range"),
    ('m["nope"]', {"m": {}}, "no key"),
    ("clue.text", {"clue": None}, "has no value yet"),
    ("x * x", {"x": 2**40}, "too large"),
    ("s + s", {"s": "a" * 150_000}, "longer than"),
])
def test_runtime_errors_are_eval_errors(text, env, message):
    with pytest.raises(EvalError, match=message):
        evaluate(text, **env)


# ------------------------------------------------------------------ types
SCOPE = {
    "n": Symbol("n", INT, "var"), "s": Symbol("s", STR, "var"), "xs": Symbol("xs", ListT(STR), "field"),
    "m": Symbol("m", MapT(INT), "var"), "clue": Symbol("clue", RecordT((("text", STR),)), "move"),
    "f": Symbol("f", FLOAT, "var"),
}


@pytest.mark.parametrize("text, expected", [
    ("n + 1", "int"), ("n + f", "float"), ("n / 2", "float"), ("s + s", "str"), ("xs + [s]", "list[str]"),
    ("xs[0]", "str"), ('m["a"]', "int"), ("clue.text", "str"), ("len(xs)", "int"), ("n > 1 and s == \"a\"", "bool"),
    ("[]", "list[nothing]"), ("xs + []", "list[str]"), ("if(n > 0, 1, 2.5)", "float"), ("unique(xs)", "list[str]"),
    ("min(xs)", "str"), ("sum([1, 2])", "int"), ("get(m, \"a\", 0)", "int"),
])
def test_types(text, expected):
    got, problems = type_of(text, SCOPE)
    assert problems == []
    assert got == expected


@pytest.mark.parametrize("text, code, fragment", [
    ("n + s", "GL0017", "cannot add int and str"),
    ("nope", "GL0012", "undefined name 'nope'"),
    ("lenn(xs)", "GL0013", "unknown function"),
    ("len(n)", "GL0018", "cannot be called with (int)"),
    ("clue.txt", "GL0015", "has no field 'txt'"),
    ("xs[\"a\"]", "GL0017", "must be int"),
    ("n and true", "GL0017", "must be bool"),
    ("if(n, 1, 2)", "GL0017", "condition of if()"),
    ("n == s", "GL0017", "always false"),
    ("[1, \"a\"]", "GL0017", "one type"),
    ("won", "GL0034", "score block"),
    ("len", "GL0012", "is a function"),
])
def test_type_errors(text, code, fragment):
    _, problems = type_of(text, SCOPE)
    assert problems, text
    assert problems[0][0] == code
    assert fragment in problems[0][1]


def test_one_mistake_is_reported_once():
    _, problems = type_of("(nope + 1) * 2 > 3", SCOPE)
    assert len(problems) == 1


def test_bool_type_constant():
    assert BOOL == BOOL
