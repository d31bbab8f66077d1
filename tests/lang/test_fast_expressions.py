"""fast_expressions writes an expression as one Python function: the same value, or the same error,
as the closures compile_expr makes, on random trees and environments (types unchecked, so the
errors of ill-typed operations are compared too), on every expression of the shipped games' states,
and where it keeps the closure (too deep)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gamelang.compiler import compile_file
from gamelang.lang import expr as ex
from gamelang.lang.evaluate import compile_expr, fast_expressions
from gamelang.lang.parser import parse_expression
from gamelang.registry import resolve_game
from tests.lang.test_expressions import expressions

values = st.one_of(
    st.none(), st.integers(-5, 5), st.floats(-3, 3, allow_nan=False), st.text(max_size=4), st.booleans(),
    st.lists(st.integers(0, 3), max_size=3), st.dictionaries(st.sampled_from(["a", "b", "turn"]), st.integers(0, 3),
                                                           max_size=2),
)
environments = st.fixed_dictionaries({n: values for n in ["a", "b", "turn", "clue", "x_1"]})


def outcome(fn, env):
    try:
        return ("value", fn(env))
    except Exception as err:  # noqa: BLE001 - the error is what is compared
        return ("error", type(err).__name__, str(err))


def same(text_or_tree, *envs):
    tree = parse_expression(text_or_tree) if isinstance(text_or_tree, str) else text_or_tree
    closure = compile_expr(tree)
    (fast,) = fast_expressions([closure])
    for env in envs:
        a, b = outcome(closure, dict(env)), outcome(fast, dict(env))
        if a[0] == "value" and b[0] == "value" and a[1] != a[1]:  # NaN
            continue
        assert a == b, (ex.unparse(tree), env)
    return fast


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions, environments)
def test_random_trees_give_what_the_closures_give(tree, env):
    same(tree, env)


def test_written_out_and_what_each_node_gives():
    env = {"clue": {"text": "It is red!"}, "words": ["red", "blue"], "turn": 2, "n": None, "m": {"k": 1}}
    for text in ["not mentions_any(clue.text, [turn] + words, words)", "lower(strip(clue.text))",
                 "turn + 1", "turn - 1", "turn * 3", "turn / 2", "turn // 2", "turn % 2", "-turn",
                 "turn == 2 and words != [] or false", "if(turn >= 2, 'a', 'b')", "{'x': turn, 'y': words}",
                 "'red' in words", "'x' not in words", "words[0]", "words[1:]", "[w for w in words if w != 'red']",
                 "sorted(words, w => len(w))", "n", "n.text", "clue.nothing", "turn / 0", "turn + 'a'",
                 "len(words) < 'a'", "m.k", "search(/r(e)d/i, clue.text)", "1.5 * turn", "100000000000 * 100000000000"]:
        fast = same(text, env)
        assert fast is not compile_expr(parse_expression(text))


def test_too_deep_keeps_the_closure():
    tree = parse_expression("turn" + " + 1" * 60)
    closure = compile_expr(tree)
    assert fast_expressions([closure]) == [closure]
    assert closure({"turn": 1}) == 61


def test_every_expression_of_the_shipped_games_is_written_out():
    games = sorted(p.parent.name for p in (Path(__file__).resolve().parents[2] / "games").glob("*/*.game"))
    for game in games:
        machine = compile_file(resolve_game(game)).machine
        closures = [getattr(op, "cond", None) or getattr(op, "value", None) or getattr(op, "items", None)
                    for state in machine.states.values() for op in state.ops]
        closures = [c for c in closures if callable(c)]
        assert closures and all(f is not c for c, f in zip(closures, fast_expressions(closures))), game


def written(text, *envs):
    """``text`` written out (not left to its closure), with the closure's value or error in each env."""
    closure = compile_expr(parse_expression(text))
    (fast,) = fast_expressions([closure])
    assert fast is not closure, text
    for env in envs:
        assert outcome(closure, dict(env)) == outcome(fast, dict(env)), (text, env)
    return fast


def test_comprehensions_key_functions_and_slices_are_written_out():
    envs = [{"words": ["red", "blue", "red"], "m": {"a": [1, 2], "b": []}, "turn": 2, "n": None,
             "rows": [{"w": "x", "k": 2}, {"w": "y", "k": 1}], "holes": [1, None, 3], "mixed": [1, "a"]},
            {"words": [], "m": {}, "turn": "t", "n": 4, "rows": [], "holes": [None], "mixed": []},
            {"words": "abc", "m": [3, 4], "turn": [5], "n": "s", "rows": [{"w": "z"}], "holes": {}, "mixed": [[1]]}]
    for text in ["[w for w in words if w != 'red']", "[upper(w) for w in words]", "[i for i, w in words if w == 'red']",
                 "[k for k in m]", "[len(v) for k, v in m if k != 'b']", "[[x * turn for x in v] for k, v in m]",
                 "[w for w in words if turn > 1]", "[h + 1 for h in holes]", "[n for w in words]",
                 "[r.w for r in rows if r.k > 1]", "[x for x in [y for y in words]]", "[turn for turn in words]",
                 "sorted(words, w => len(w))", "sorted(rows, r => r.k)", "sorted(mixed, x => x)",
                 "min(rows, r => r.k)", "max(words, w => w)", "min(words, w => 1 / 0)", "max(holes, h => h)",
                 "any(words, w => w == 'blue')", "all(words, w => len(w) == 3)", "count(words, w => w == 'red')",
                 "sum(rows, r => r.k)", "sum(holes, h => h)", "count(m, k => count(words, w => w == k) > 0)",
                 "any(words, w => any(rows, r => r.w == w))", "sorted(words, w => [v for v in words if v < w])",
                 "words[1:]", "words[turn:]", "words[:n]", "words[::turn]", "words[1:2:0]", "words[n:n:n]",
                 "[w[1:] for w in words]", "words[1 / 0::0]", "words[:1 / 0:0]", "holes[::-1]"]:
        written(text, *envs)


def test_written_comprehensions_keep_the_limits():
    from gamelang.lang.evaluate import MAX_STEPS
    from gamelang.lang.functions import MAX_ITEMS

    big = list(range(MAX_ITEMS + 1))
    keep_all = written("[x for x in big]", {"big": big}, {"big": big[:-1]})
    assert outcome(keep_all, {"big": big}) == ("error", "EvalError",
                                               f"[x for x in big]: the list would have more than {MAX_ITEMS:,} items")
    assert outcome(keep_all, {"big": big[:-1]}) == ("value", big[:-1])
    written("[x for x in big if x > 5]", {"big": big + [1]})
    side = MAX_STEPS // 1000  # the outer loop's items count too: 1000 + 1000 * side visits, one too many
    nested = written("count(a, x => count(b, y => true) > 0)", {"a": list(range(1000)), "b": list(range(side))},
                     {"a": list(range(999)), "b": list(range(side))})
    assert outcome(nested, {"a": list(range(1000)), "b": list(range(side))}) == (
        "error", "EvalError", f"count(b, y => true): the expression visits more than {MAX_STEPS:,} items")
    assert outcome(nested, {"a": list(range(999)), "b": list(range(side))}) == ("value", 999)


def test_functions_written_as_their_call_give_what_the_functions_give():
    # lower(x) is written as (x).lower(), len(x) as len's own call: the same values and the same
    # errors as the functions, whatever the argument (types unchecked here); other arities keep the function
    from gamelang.lang.functions import ALL_FUNCTIONS, ONE_ARGUMENT_CALLS

    names = {fn.impl: name for name, fn in ALL_FUNCTIONS.items()}
    assert {names[impl] for impl in ONE_ARGUMENT_CALLS} >= {"lower", "strip", "len", "is_alpha"}
    envs = [{"a": "  Ab,C! ", "b": 3, "turn": [1, 2], "clue": {"text": "x"}, "x_1": {"k": None}},
            {"a": "", "b": -1.5, "turn": "É.t", "clue": {"text": 7}, "x_1": {"k": "y"}}]
    for impl in ONE_ARGUMENT_CALLS:
        name = names[impl]
        for arg in ["a", "b", "turn", "clue.text", "x_1.k", "5", "-5", "1.5", "'Q.'", "[1]", "a + a"]:
            text = f"{name}({arg})"
            fast = same(text, *envs)
            assert fast is not compile_expr(parse_expression(text))  # written out, not left to the closure
        same(f"{name}(a, a)", *envs)
        same(f"{name}()", *envs)


def test_adding_whole_numbers_is_checked_at_the_bounds():
    # _add's path for two ints gives what the checked addition gives (a value, or "number too large")
    from gamelang.lang.evaluate import MAX_INT, _add, _checked_int

    edge = [0, 1, -1, 2, MAX_INT - 2, MAX_INT - 1, -MAX_INT + 1, -MAX_INT + 2, 2**62, -(2**62), True, 1.5]
    for a in edge:
        for b in edge:
            assert outcome(lambda env: _add(a, b), {}) == outcome(lambda env: _checked_int(a + b), {}), (a, b)
    assert outcome(lambda env: _add(MAX_INT - 1, 1), {}) == ("error", "EvalError", "number too large")
    assert _add(MAX_INT - 2, 1) == MAX_INT - 1
