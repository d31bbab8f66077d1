"""`parse MOVE else goto STATE` / `check EXPR else goto STATE`: a failure the game handles (issue 11, part 8)."""

from __future__ import annotations

from gamelang.graph import edges
from gamelang.lang.loader import load_spec_text
from gamelang.validate import validate_paths
from tests.conftest import compile_text, play

GAME = """
game probe { version 1 }
role a { intro "Say a number or a word." }
move number by a = regex /^(?P<n>\\d+)$/ as { n: int }
move word by a = regex /^(?P<w>[a-z]+)$/
var tries: int = 0
state numbers {
  ask a
  parse number else goto words
  check number.n < 100 else goto too_big
  end win
}
state words {
  ask a "A word, then."
  parse word else abort "neither a number nor a word"
  set tries = tries + 1
  if tries >= 2 end lose "two words"
  goto numbers
}
state too_big {
  tell a "Smaller, please."
  goto numbers
}
limits { requests 6 }
"""

YAML = """
game: {name: probe, version: 1}
roles: {a: {intro: Say a number or a word.}}
moves:
  number: {by: a, regex: '^(?P<n>\\d+)$', types: {n: int}}
  word: {by: a, regex: '^(?P<w>[a-z]+)$'}
vars: {tries: {type: int, init: 0}}
states:
  numbers:
    - ask: a
    - {parse: number, else: {goto: words}}
    - {check: number.n < 100, else: {goto: too_big}}
    - end: win
  words:
    - {ask: a, message: "A word, then."}
    - {parse: word, else: {abort: neither a number nor a word}}
    - {set: tries, to: tries + 1}
    - {if: tries >= 2, end: lose, reason: two words}
    - goto: numbers
  too_big:
    - {tell: a, message: "Smaller, please."}
    - goto: numbers
limits: {requests: 6}
"""


def test_a_failed_parse_or_check_goes_on_in_another_state(tmp_path):
    m = compile_text(GAME, tmp_path)
    assert play(m, ["hello", "word", "500", "42"]).outcome == "win"
    env = play(m, ["hello", "word", "again", "word"])
    assert env.outcome == "lose" and env.reason == "two words"
    assert play(m, ["?!", "?!"]).outcome == "abort"
    events = [e for e in play(m, ["500", "1"]).events if e["type"] == "state"]
    assert [e["to"] for e in events] == ["numbers", "too_big", "numbers"]


def test_both_forms_agree_and_the_graph_shows_the_edges():
    a, b = load_spec_text(GAME), load_spec_text(YAML, "probe.game.yaml")
    assert not a.diags.has_errors and not b.diags.has_errors, b.diags.items
    assert a.spec == b.spec
    found = {(e.source, e.target, e.label) for e in edges(a.spec)}
    assert ("numbers", "words", "parse number fails") in found
    assert ("numbers", "too_big", "number.n >= 100") in found


def test_an_unknown_state_is_reported_with_a_hint(tmp_path):
    path = tmp_path / "g.game"
    path.write_text(GAME.replace("else goto words", "else goto wrods"))
    found = [(d.code, d.message, d.hint) for r in validate_paths([path]).reports for d in r.diagnostics]
    assert ("GL0010", "undefined state 'wrods'", "did you mean 'words'?") in found
