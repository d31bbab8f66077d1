"""A game expression that fails at run time ends the episode as ``error``, naming its line and text,
whichever instruction evaluates it (the interpreter's handlers catch errors inline)."""

import pytest

from tests.conftest import compile_text, play

GAME = """
game e {{ version 1 }}
instance {{ target: int = 3 }}
role p {{ intro "Guess." }}
var n: int = 0
var words: list[str] = ["a"]
move guess by p = regex /(?P<n>-?\\d+)/ as {{ n: int }}
state play {{
  ask p
  parse guess else abort
  {stmt}
  goto play
}}
limits {{ requests 3 }}
"""

CASES = [
    ("set n = 100 // (guess.n - 2)", "line 11: 100 // (guess.n - 2): division by zero"),
    ("check 100 % (guess.n - 2) == 0 else lose", "line 11: 100 % (guess.n - 2) == 0: modulo by zero"),
    ("if 1 / (guess.n - 2) > 0 end win", "line 11: 1 / (guess.n - 2) > 0: division by zero"),
    ("set n = len(words[guess.n])", "line 11: len(words[guess.n]): words[guess.n]: index 2 is out of range (length 1)"),
    ("if words[guess.n] == \"a\" end win", "line 11: words[guess.n] == \"a\": words[guess.n]: index 2 is out of range "
                                         "(length 1)"),
    ("set n = guess.n + len(words) * 9223372036854775807", "line 11: guess.n + len(words) * 9223372036854775807: "
                                                          "number too large"),
]


@pytest.mark.parametrize("stmt,reason", CASES)
def test_a_failing_expression_is_an_error_with_its_line_and_text(tmp_path, stmt, reason):
    env = play(compile_text(GAME.format(stmt=stmt), tmp_path), ["2"])
    assert env.outcome == "error"
    assert env.reason == reason
    assert env.events[-1] == {"type": "error", "message": reason}


def test_a_passing_expression_goes_on(tmp_path):
    env = play(compile_text(GAME.format(stmt="set n = 100 // (guess.n - 2)"), tmp_path), ["7", "12", "4"])
    assert env.outcome == "lose"  # the request limit
    assert [e["value"] for e in env.events if e["type"] == "set"] == [20, 10, 50]
