"""Function libraries (issue 11, part 7): a game opens the functions it needs beyond the common ones
with `use LIB`, and a library's names are reserved only in the games that open it."""

from __future__ import annotations

from pathlib import Path

from gamelang.compiler import compile_loaded
from gamelang.lang.functions import ALL_FUNCTIONS, FUNCTIONS, LIBRARIES
from gamelang.lang.loader import load_spec_text
from tests.conftest import compile_text, play

GAME = """
game fb {{ version 1 }}
{use}
role r {{ intro "Guess." }}
var colours: list[str] = []
move m by r = regex /(?P<w>\\w+)/
state s {{
  ask r
  parse m
  set colours = letter_feedback(m.w, "crane")
  end win "{{% for c in letter_feedback(m.w, 'crane') %}}{{{{ c }}}} {{% endfor %}}"
}}
"""


def diagnostics(text: str) -> list[tuple[int, int, str, str, str | None]]:
    result = compile_loaded(load_spec_text(text))
    return [(d.pos.line, d.pos.column, d.code, d.message, d.hint) for d in result.diagnostics]


def test_wordle_feedback_is_a_library_function():
    assert "letter_feedback" in LIBRARIES["wordle"] and "letter_feedback" not in FUNCTIONS
    assert ALL_FUNCTIONS["letter_feedback"].library == "wordle"


def test_a_game_that_uses_the_library_calls_it(tmp_path: Path):
    m = compile_text(GAME.format(use="use wordle"), tmp_path)
    env = play(m, ["cigar"])
    assert env.state.bindings["colours"] == ["green", "red", "red", "yellow", "yellow"]
    assert env.reason.strip() == "green red red yellow yellow"


def test_without_use_the_call_is_unknown_with_a_hint():
    got = [d for d in diagnostics(GAME.format(use="")) if d[2] != "GL0032"]  # (colours is never read)
    assert [(line, code) for line, _, code, _, _ in got] == [(10, "GL0013"), (11, "GL0013")]
    for _, _, _, message, hint in got:
        assert message == "unknown function 'letter_feedback'"
        assert hint == "'letter_feedback' is in the function library 'wordle': add `use wordle` to the game"


def test_an_unknown_library_is_reported_with_a_suggestion():
    [(line, column, code, message, hint), *_] = diagnostics(GAME.format(use="use wordel"))
    assert (line, column, code, message, hint) == (3, 5, "GL0045", "unknown function library 'wordel'",
                                                   "did you mean 'wordle'?")


def test_a_library_name_is_free_in_games_that_do_not_use_it():
    game = 'game g { version 1 }\nrole r { intro "{{ letter_feedback }}" }\nconst letter_feedback: str = "x"\n' \
           'state s { ask r end win }\n'
    assert diagnostics(game) == []
    # with the library open, the game's name still wins: it hides the function (tests/lang/test_shadowing.py)
    assert diagnostics(game.replace("game g { version 1 }", "game g { version 1 }\nuse wordle")) == []


def test_both_forms_say_use_alike():
    yaml = """
game: {name: g, version: 1}
use: [wordle]
roles: {r: {intro: hi}}
states:
  s:
    - ask: r
    - end: win
"""
    a = load_spec_text('game g { version 1 }\nuse wordle\nrole r { intro "hi" }\nstate s { ask r end win }\n')
    b = load_spec_text(yaml, "g.game.yaml")
    assert a.spec is not None and a.spec == b.spec and a.spec.use == ["wordle"]


def test_an_imported_library_opens_its_function_libraries(tmp_path: Path):
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / "fb.gamelib").write_text(
        'use wordle\ntemplate feedback "{{ letter_feedback(word, target) | join(\' \') }}"\n')
    (tmp_path / "g" / "g.game").write_text(
        'game g { version 1 }\nimport "fb.gamelib"\ninstance { target: str = "crane" }\nvar word: str = "cigar"\n'
        'role r { intro feedback }\nstate s { ask r end win }\n')
    from gamelang.compiler import compile_file

    result = compile_file(tmp_path / "g" / "g.game")
    assert result.ok, result.render()
    assert result.loaded.spec.use == ["wordle"]
