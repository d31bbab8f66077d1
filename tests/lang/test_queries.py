"""Queries over instance data: comprehensions, key functions, set operations (issue 11, part 2)."""

from __future__ import annotations

import json

import pytest

from gamelang.lang.evaluate import MAX_STEPS, compile_expr
from gamelang.lang.functions import EvalError
from gamelang.lang.loader import load_spec_text
from gamelang.lang.parser import parse_expression
from gamelang.lang.typecheck import Symbol, TypeChecker
from gamelang.lang.types import INT, STR, ListT, MapT, RecordT
from tests.conftest import compile_text, play

HOTEL = RecordT((("name", STR), ("area", STR), ("price", INT)))
SCOPE = {
    "hotels": Symbol("hotels", ListT(HOTEL), "field"),
    "area": Symbol("area", STR, "field"),
    "stock": Symbol("stock", MapT(INT), "field"),
    "turn": Symbol("turn", INT, "var"),
}
DATA = {
    "hotels": [{"name": "A", "area": "north", "price": 3}, {"name": "B", "area": "south", "price": 1},
               {"name": "C", "area": "north", "price": 2}],
    "area": "north",
    "stock": {"x": 1, "y": 0, "z": 5},
    "turn": 0,
}


def query(text: str):
    problems: list[tuple[str, str]] = []
    e = parse_expression(text)
    t = TypeChecker(SCOPE, lambda code, pos, msg, hint=None: problems.append((code, msg))).check(e)
    assert not problems, problems
    return str(t), compile_expr(e)(dict(DATA))


@pytest.mark.parametrize("text, type_, value", [
    ('[h.name for h in hotels if h.area == area]', "list[str]", ["A", "C"]),
    ('[h.price * 2 for h in hotels]', "list[int]", [6, 2, 4]),
    ('[k for k in stock]', "list[str]", ["x", "y", "z"]),
    ('[k for k, n in stock if n > 0]', "list[str]", ["x", "z"]),
    ('[i for i, h in hotels if h.area == area]', "list[int]", [0, 2]),
    ('[[h.name for h in hotels if h.price > p] for p in [0, 2]]', "list[list[str]]", [["A", "B", "C"], ["A"]]),
    ('any(hotels, h => h.price > 2)', "bool", True),
    ('all(hotels, h => h.price > 2)', "bool", False),
    ('count(hotels, h => h.area == area)', "int", 2),
    ('sum(hotels, h => h.price)', "int", 6),
    ('min(hotels, h => h.price).name', "str", "B"),
    ('max(hotels, h => h.name).name', "str", "C"),
    ('[h.name for h in sorted(hotels, h => h.price)]', "list[str]", ["B", "C", "A"]),
    ('[h.name for h in sorted(hotels, h => h.area)]', "list[str]", ["A", "C", "B"]),  # stable
    ('len([h for h in hotels if h.area == area])', "int", 2),
    ('intersect(["A", "C", "A", "Z"], [h.name for h in hotels])', "list[str]", ["A", "C"]),
    ('difference([h.name for h in hotels], ["B"])', "list[str]", ["A", "C"]),
    ('union(["Z", "A"], [h.name for h in hotels])', "list[str]", ["Z", "A", "B", "C"]),
    ('len(intersect(["a", "b", "c"], ["b", "c", "d"]))', "int", 2),
])
def test_queries_are_typed_and_evaluated(text, type_, value):
    assert query(text) == (type_, value)


@pytest.mark.parametrize("text, code, message", [
    ('[x for x in 3]', "GL0017", "a comprehension goes over a list or a map, not int"),
    ('[h.nam for h in hotels]', "GL0015", "'h' has no field 'nam' (fields: name, area, price)"),
    ('[h for h in hotels if h.price]', "GL0017", "the condition of a comprehension must be bool, but this is int"),
    ('[turn for turn in hotels]', "GL0008", "the loop name 'turn' hides the variable 'turn'"),
    ('sorted(hotels, h => h)', "GL0017", "the key of sorted() must be a number or a text, but this is "
                                         "{name: str, area: str, price: int}"),
    ('len(hotels, h => h.price)', "GL0018", "len() takes no key function"),
    ('any(stock, k => k == "x")', "GL0018", "any(..., k => ...) needs a list, not map[str, int]"),
    ('sorted(h => h.price, hotels)', "GL0018", "a key function `h => ...` is not a value"),
    ('sorted(h => h.price)', "GL0018", "sorted(list, h => ...) takes two arguments"),
    ('h.price', "GL0012", "undefined name 'h'"),
])
def test_mistakes_in_queries_are_reported(text, code, message):
    problems: list[tuple[str, str]] = []
    TypeChecker(SCOPE, lambda c, pos, msg, hint=None: problems.append((c, msg))).check(parse_expression(text))
    assert problems[0] == (code, message)


def test_nested_queries_are_bounded():
    nested = compile_expr(parse_expression("[len([y for y in range(20000) if y == x]) for x in range(20000)]"))
    with pytest.raises(EvalError, match=f"more than {MAX_STEPS:,} items"):
        nested({})
    # a single pass over a long list is fine, and the budget starts again at each evaluation
    one = compile_expr(parse_expression("len([y for y in range(20000) if y % 2 == 0])"))
    assert one({}) == 10000 and one({}) == 10000


def test_a_comprehension_in_a_game_and_its_yaml_form(tmp_path):
    (tmp_path / "hotels.jsonl").write_text(json.dumps({"area": "north", **{"hotels": DATA["hotels"]}}) + "\n")
    game = """
game hotels { version 1 }
instance {
  hotels: list[{name: str, area: str, price: int}]
  area: str
}
instances "hotels.jsonl"
var found: list[str] = [h.name for h in hotels if h.area == area]
role agent { intro "Hotels in {{ area }}: {{ found | join(', ') }}" }
move pick by agent = regex /PICK\\s+(?P<name>\\w+)/
state choose {
  ask agent
  parse pick
  check pick.name in found else lose "not in the area"
  if pick.name == min([h for h in hotels if h.area == area], h => h.price).name end win
  end lose "not the cheapest"
}
"""
    yaml = """
game: {name: hotels, version: 1}
instance:
  hotels: 'list[{name: str, area: str, price: int}]'
  area: str
instances: {file: hotels.jsonl}
vars:
  found: {type: 'list[str]', init: '[h.name for h in hotels if h.area == area]'}
roles:
  agent: {intro: "Hotels in {{ area }}: {{ found | join(', ') }}"}
moves:
  pick: {by: agent, regex: 'PICK\\s+(?P<name>\\w+)'}
states:
  choose:
    - ask: agent
    - parse: pick
    - check: pick.name in found
      else: {lose: not in the area}
    - if: pick.name == min([h for h in hotels if h.area == area], h => h.price).name
      end: win
    - end: lose
      reason: not the cheapest
"""
    a = load_spec_text(game)
    b = load_spec_text(yaml, "hotels.game.yaml")
    assert not a.diags.has_errors and not b.diags.has_errors, b.diags.items
    assert a.spec == b.spec
    m = compile_text(game, tmp_path, "hotels.game")
    from gamelang.instances import load_instances

    inst = load_instances(m)[0].data
    assert play(m, ["PICK C"], inst).outcome == "win"
    assert play(m, ["PICK A"], inst).reason == "not the cheapest"
    assert play(m, ["PICK B"], inst).reason == "not in the area"
