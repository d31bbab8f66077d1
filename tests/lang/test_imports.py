"""Sharing declarations between games: `import "file"` and `import a, b from "file"` (issue 11, part 8).

The fixtures under tests/lang/imports: shared/ holds libraries (NAME.gamelib) and a whole game
to import from, guess/ a game built on them (in both forms), errors/ one broken import each.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gamelang.compiler import compile_file
from gamelang.validate import validate_paths
from tests.conftest import play

HERE = Path(__file__).resolve().parent / "imports"
ERRORS = HERE / "errors"
SHARED = f"{HERE}/shared/"

#: case -> the diagnostics it gives: "FILE:LINE:COLUMN CODE" (FILE relative to tests/lang/imports)
EXPECTED = {
    "cycle.game": ["shared/cycle_b.gamelib:1:8 GL0042"],
    "self_import.game": ["errors/self_import.game:2:8 GL0042"],
    "missing.game": ["errors/missing.game:2:8 GL0023"],
    "outside.game": ["errors/outside.game:2:8 GL0038", "errors/outside.game:3:8 GL0038"],
    "not_a_game.game": ["errors/not_a_game.game:2:8 GL0043"],
    "names.game": ["errors/names.game:2:8 GL0044"],
    "duplicate.game": ["errors/duplicate.game:2:8 GL0008"],
    "broken_library.game": ["shared/broken.gamelib:2:1 GL0043", "shared/broken.gamelib:5:31 GL0016"],
}


def _shown(d) -> str:
    path = Path(d.path).resolve().relative_to(HERE)
    return f"{path.as_posix()}:{d.pos.line}:{d.pos.column} {d.code}"


def test_every_error_case_has_expectations():
    assert sorted(p.name for p in ERRORS.glob("*.game")) == sorted(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_import_diagnostics_point_into_the_right_file(case: str):
    outcome = validate_paths([ERRORS / case])
    got = [_shown(d) for r in outcome.reports for d in r.diagnostics]
    assert got == EXPECTED[case]
    assert outcome.exit_code == 1


def test_messages_name_the_files_and_suggest():
    def messages(case: str) -> list[tuple[str, str | None]]:
        outcome = validate_paths([ERRORS / case])
        return [(d.message, d.hint) for r in outcome.reports for d in r.diagnostics]

    [(message, hint)] = messages("names.game")
    assert "declares no importable 'gues'" in message and hint == "did you mean 'guess'?"
    [(message, _)] = messages("cycle.game")
    assert message == (f"import cycle: {SHARED}cycle_a.gamelib -> {SHARED}cycle_b.gamelib -> "
                       f"{SHARED}cycle_a.gamelib")
    [(message, hint)] = messages("duplicate.game")
    assert "constant 'max_guesses'" in message and "line 3" in message
    assert hint and 'from "../shared/words.gamelib"' in hint
    assert "a library cannot declare `limits`" in messages("broken_library.game")[0][0]


def test_rendered_diagnostics_show_the_imported_source_line():
    result = compile_file(ERRORS / "broken_library.game", "tests/lang/imports/errors/broken_library.game")
    text = result.render()
    assert 'template note "{{ limit }} {{ undeclared }}"' in text
    assert "tests/lang/imports/shared/broken.gamelib:5:31" in text


def test_a_game_built_from_a_library_plays_and_its_reference_player_wins():
    result = compile_file(HERE / "guess" / "guess.game")
    assert result.ok, result.render()
    m = result.machine
    assert set(m.roles) == {"guesser"} and "oracle" in m.players
    assert m.consts["word_list"] == ["apple", "pear", "plum"]  # read from the library's folder
    assert m.consts["reply_format"] == "Answer with: GUESS: <word>"  # one constant from a whole game
    assert "yes_no" not in m.moves and "player" not in m.roles  # only what was named
    env = play(m, ["GUESS: plum", "GUESS: kiwi", "GUESS: pear"])
    assert env.outcome == "win"
    feedback = [msg["content"] for msg in env.histories["guesser"] if msg["role"] == "user"]
    assert "plum is not my word; 2 tries left." in feedback[1]  # the library's template file
    assert "Not a word I know." in feedback[2]


def test_the_yaml_form_imports_the_same():
    game = compile_file(HERE / "guess" / "guess.game")
    yaml = compile_file(HERE / "guess" / "guess.game.yaml")
    assert game.ok and yaml.ok, yaml.render()
    assert game.loaded.spec == yaml.loaded.spec


def test_a_library_change_changes_the_content_hash(tmp_path: Path):
    shutil.copytree(HERE, tmp_path / "imports")
    game = tmp_path / "imports" / "guess" / "guess.game"
    before = compile_file(game).machine.content_hash
    lib = tmp_path / "imports" / "shared" / "words.gamelib"
    lib.write_text(lib.read_text().replace("max_guesses: int = 3", "max_guesses: int = 4"))
    assert compile_file(game).machine.content_hash != before


def test_imported_files_stay_in_their_own_folder(tmp_path: Path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "game").mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    (tmp_path / "lib" / "l.gamelib").write_text('const s: list[str] from "../secret.txt"\n')
    (tmp_path / "game" / "g.game").write_text('game g { version 1 }\nimport "../lib/l.gamelib"\n'
                                              'role r { intro "{{ s }}" }\nstate a { ask r end win }\n')
    outcome = validate_paths([tmp_path / "game" / "g.game"])
    [d] = [d for r in outcome.reports for d in r.diagnostics]
    assert d.code == "GL0038" and d.path.endswith("lib/l.gamelib") and (d.pos.line, d.pos.column) == (1, 25)


def test_a_diamond_imports_one_declaration_once(tmp_path: Path):
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / "base.gamelib").write_text('const n: int = 2\n')
    (tmp_path / "g" / "left.gamelib").write_text('import "base.gamelib"\nconst l: int = n\n')
    (tmp_path / "g" / "right.gamelib").write_text('import "base.gamelib"\nconst r: int = n + 1\n')
    (tmp_path / "g" / "g.game").write_text('game g { version 1 }\nimport "left.gamelib"\nimport "right.gamelib"\n'
                                           'role a { intro "{{ l + r }}" }\nstate s { ask a end win }\n')
    result = compile_file(tmp_path / "g" / "g.game")
    assert result.ok, result.render()
    assert result.machine.consts == {"n": 2, "l": 2, "r": 3}
