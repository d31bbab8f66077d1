"""List moves: `each match|line|item PARSER [count N [to M]]` parses a reply into a list of records."""

from __future__ import annotations

import pytest

from gamelang.lang.loader import load_spec_text
from gamelang.validate import validate_paths
from tests.conftest import compile_text, play

GAME = """
game recommend { version 1 }
instance { liked: list[str] = ["louvre", "orsay", "pompidou"] }
role agent { intro "Recommend two or three museums, one a line: - NAME (PRICE)" }
move recs by agent = each match regex /-\\s*(?P<name>\\w+)\\s*\\((?P<price>\\d+)\\)/ as { price: int } count 2 to 3
move days by agent = each line choice ["monday", "tuesday"] count 1 to 2
move rooms by agent = each item json { name: str, beds: int }
state ask_recs {
  ask agent
  parse recs else reprompt 1 "{{ 'One a line: - NAME (PRICE)' }}" then lose
  if len(intersect([lower(r.name) for r in recs], liked)) >= 2 and sum(recs, r => r.price) <= 10 goto when
  end lose "bad recommendations"
}
state when {
  ask agent "Which days?"
  parse days
  ask agent "Which rooms, as a JSON list?"
  parse rooms
  if len(days) == 2 and rooms[0].beds == 2 end win
  end lose
}
"""

YAML = """
game: {name: recommend, version: 1}
instance:
  liked:
    type: list[str]
    default: [louvre, orsay, pompidou]
roles:
  agent: {intro: "Recommend two or three museums, one a line: - NAME (PRICE)"}
moves:
  recs: {by: agent, regex: '-\\s*(?P<name>\\w+)\\s*\\((?P<price>\\d+)\\)', types: {price: int}, each: match, count: [2, 3]}
  days: {by: agent, choice: [monday, tuesday], each: line, count: [1, 2]}
  rooms: {by: agent, json: {name: str, beds: int}, each: item}
states:
  ask_recs:
    - ask: agent
    - parse: recs
      else: {reprompt: 1, message: "{{ 'One a line: - NAME (PRICE)' }}", then: lose}
    - if: len(intersect([lower(r.name) for r in recs], liked)) >= 2 and sum(recs, r => r.price) <= 10
      goto: when
    - end: lose
      reason: bad recommendations
  when:
    - ask: agent
      message: Which days?
    - parse: days
    - ask: agent
      message: Which rooms, as a JSON list?
    - parse: rooms
    - if: len(days) == 2 and rooms[0].beds == 2
      end: win
    - end: lose
"""


def test_both_forms_agree_and_the_types_are_lists():
    a, b = load_spec_text(GAME), load_spec_text(YAML, "recommend.game.yaml")
    assert not a.diags.has_errors and not b.diags.has_errors, b.diags.items
    assert a.spec == b.spec
    assert a.spec.moves["recs"].count == (2, 3) and a.spec.moves["rooms"].bounds == (1, 100)


def test_a_whole_episode_with_list_moves(tmp_path):
    m = compile_text(GAME, tmp_path)
    assert str(m.moves["recs"].type) == "list[{name: str, price: int}]"
    env = play(m, ["Try:\n- Louvre (3)\n- Orsay (5)", "Monday\ntuesday.", '```json\n[{"name": "a", "beds": 2}]\n```'])
    assert env.outcome == "win"
    assert env.env["recs"] == [{"name": "Louvre", "price": 3}, {"name": "Orsay", "price": 5}]
    assert env.env["days"] == [{"value": "monday", "index": 0}, {"value": "tuesday", "index": 1}]


@pytest.mark.parametrize("move, reply, error", [
    ("recs", "- Louvre (3)", "the reply has only 1 matches of "),
    ("recs", "- a (1) - b (2) - c (3) - d (4)", "the reply has more than 3 matches of "),
    ("recs", "nothing", "the reply has no matches of "),
    ("days", "monday\nfriday", "line 2 ('friday'): the reply is not one of: monday, tuesday"),
    ("days", "monday\ntuesday\nmonday", "the reply has 3 lines; at most 2 are expected"),
    ("rooms", '[{"name": "a", "beds": 1}, {"name": "b"}]', "item 2: the reply's JSON does not fit "
                                                           "{name: str, beds: int}: beds: Field required"),
    ("rooms", '[1]', "item 1 of the reply's JSON list is not an object"),
    ("rooms", "[]", "the reply has no items in the reply's JSON list; expected at least 1"),
    ("rooms", "{}", "the reply holds no JSON list"),
    ("rooms", "[1, 2", "the reply holds no JSON list"),
    ("rooms", "[1, }]", "the reply's JSON list is invalid: "),
])
def test_precise_parse_failures(tmp_path, move, reply, error):
    result = compile_text(GAME, tmp_path).moves[move].parse(reply)
    assert not result.ok and result.error.startswith(error), result.error


@pytest.mark.parametrize("declaration, message", [
    ("move x by agent = each item regex /a/", "`each item` takes a json or tool move, not regex"),
    ("move x by agent = each match json { a: str }", "`each match` takes a regex move, not json"),
    ("move x by agent = each line regex /(?P<a>.)/ count 3 to 2", "`count 3 to 2`: the least is more than the most"),
    ("move x by agent = each line regex /(?P<a>.)/ count 2000", "`count` must be at most 1000"),
])
def test_declaration_mistakes(tmp_path, declaration, message):
    path = tmp_path / "g.game"
    path.write_text(GAME + declaration + "\n")
    found = [d for r in validate_paths([path]).reports for d in r.diagnostics if d.code != "GL0032"]
    assert [d.code for d in found] == ["GL0007"] and found[0].message.startswith(message), found
