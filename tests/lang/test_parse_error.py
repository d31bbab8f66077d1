"""`parse_error`: why the last `parse` failed, for a re-prompt (or any template) to quote."""

from __future__ import annotations

from gamelang.lang.loader import load_spec_text
from gamelang.validate import validate_paths
from tests.conftest import compile_text, play

GAME = """
game g { version 1 }
role a { intro "Call a tool." }
tool book(name: str, nights: int) "Book"
move call by a = tool
var seen: list[str] = []
state s {
  ask a
  parse call else reprompt 2 "That did not work ({{ parse_error }}). Try again." then abort "gave up: {{ parse_error }}"
  set seen = seen + [parse_error]
  end win
}
limits { requests 5 }
"""


def _asked(env) -> list[str]:
    return [e["message"] for e in env.events if e["type"] == "ask"]


def test_a_reprompt_quotes_the_parse_error(tmp_path):
    m = compile_text(GAME, tmp_path)
    env = play(m, ['{"name": "bok", "arguments": {}}', '{"name": "book", "arguments": {"name": "x"}}',
                   '{"name": "book", "arguments": {"name": "x", "nights": 2}}'])
    assert env.outcome == "win"
    asked = _asked(env)
    assert asked[1] == "That did not work (unknown tool 'bok'; did you mean 'book'? (tools: book)). Try again."
    assert asked[2] == "That did not work (book: missing argument 'nights' (arguments: name, nights)). Try again."
    assert env.env["seen"] == [""]  # a parse that succeeds clears it


def test_the_then_reason_quotes_it_too(tmp_path):
    m = compile_text(GAME, tmp_path)
    env = play(m, ["a", "b", "c"])
    assert env.outcome == "abort"
    assert env.reason.startswith("gave up: the reply holds no tool call")


def _codes(text: str, tmp_path) -> set[str]:
    path = tmp_path / "g.game"
    path.write_text(text)
    return {d.code for r in validate_paths([path]).reports for d in r.diagnostics}


def test_it_is_a_typed_builtin_name(tmp_path):
    assert _codes(GAME.replace("seen + [parse_error]", "seen + parse_error"), tmp_path) == {"GL0017"}
    assert _codes(GAME.replace("{{ parse_error }})", "{{ parse_eror }})"), tmp_path) == {"GL0016"}


def test_the_yaml_form_reads_it():
    yaml = """
game: {name: g, version: 1}
roles: {a: {intro: hi}}
moves: {m: {by: a, regex: 'x'}}
states:
  s:
    - ask: a
    - {parse: m, else: {reprompt: 1, message: "No: {{ parse_error }}"}}
    - end: win
limits: {requests: 3}
"""
    loaded = load_spec_text(yaml, "g.game.yaml")
    assert not loaded.diags.has_errors, loaded.diags.items


def test_a_state_reached_by_else_goto_reads_it(tmp_path):
    game = """
game g { version 1 }
role a { intro "A number?" }
move number by a = regex /^(?P<n>\\d+)$/ as { n: int }
state ask_it {
  ask a
  parse number else goto explain
  end win
}
state explain {
  tell a "I could not read that ({{ parse_error }})."
  goto ask_it
}
limits { requests 3 }
"""
    env = play(compile_text(game, tmp_path), ["many", "7"])
    assert env.outcome == "win"
    assert _asked(env)[1].startswith("I could not read that (") and _asked(env)[1] != "I could not read that ()."
