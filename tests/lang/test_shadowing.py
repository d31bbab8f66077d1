"""A game's own names may have the spelling of a function (`round`, `words`, `search`): calls and
names never meet in expressions, and in templates the game's name hides the function. Built-in
names (`requests`, `paid`, ...) and the expression keywords stay reserved (GL0033), with what each is."""

from __future__ import annotations

from gamelang.validate import validate_paths
from tests.conftest import compile_text, play

GAME = """
game g { version 1 }
instance { words: list[str] = ["a", "b"]  search: str = "s" }
role a { intro "{{ round }} {{ words | join(',') }} {{ len(words) }} {{ search }}" }
move m by a = regex /(?P<x>.*)/
var round: int = 1
state s {
  ask a
  parse m
  set round = round + len(words) + round(2.6)
  if round > 3 and search == "s" end win
  end lose
}
"""


def diagnostics(text: str, tmp_path) -> list[tuple[int, str, str, str | None]]:
    path = tmp_path / "g.game"
    path.write_text(text)
    return [(d.pos.line, d.code, d.message, d.hint) for r in validate_paths([path]).reports for d in r.diagnostics]


def test_a_name_may_have_a_functions_spelling(tmp_path):
    assert diagnostics(GAME, tmp_path) == []
    env = play(compile_text(GAME, tmp_path), ["x"])
    assert env.outcome == "win" and env.env["round"] == 1 + 2 + 3  # the variable, then the function round()
    assert next(e for e in env.events if e["type"] == "ask")["message"] == "1 a,b 2 s"


def test_a_template_cannot_call_a_function_the_game_hides(tmp_path):
    found = diagnostics(GAME.replace("{{ round }}", "{{ round(2.5) }}"), tmp_path)
    assert found == [(4, "GL0018", "'round' is the game's variable here: in templates it hides the function round()",
                      "call round() in an expression (`set` a variable), or rename the declaration")]


def test_built_in_names_and_keywords_stay_reserved_and_say_what_they_are(tmp_path):
    found = [d for d in diagnostics(GAME.replace("var round: int = 1", "var round: int = 1\nvar requests: int = 0\n"
                                                 "var parse_error: str = \"\""), tmp_path) if d[1] == "GL0033"]
    assert [m for _, _, m, _ in found] == [
        "the variable name 'requests' is a built-in name (asks so far, re-prompts included)",
        "the variable name 'parse_error' is a built-in name (why the last `parse` failed ('' when it succeeded))",
    ]
    assert found[0][3] == ("choose another name, such as 'requests_'; docs/language.md (Lexical structure) lists "
                           "the reserved names")


def test_the_docs_list_every_reserved_name():
    from gamelang.lang.checks import RESERVED
    from tests.conftest import ROOT

    section = (ROOT / "docs" / "language.md").read_text().split("## Lexical structure")[1].split("\n## ")[0]
    assert [n for n in sorted(RESERVED) if f"`{n}`" not in section] == []
