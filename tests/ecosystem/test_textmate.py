"""The TextMate grammar of editors/vscode tokenises every shipped game, leaving nothing unmatched.

It is run by babi's TextMate engine (oniguruma regexes, as in VS Code): every non-blank character
of every .game and .gamelib file under games/ and examples/ must get a scope below the grammar's root, and
each file must end outside any string, template or comment.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from babi.highlight import Grammars, State, highlight_line

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "editors" / "vscode"
GRAMMAR = EXTENSION / "syntaxes" / "game.tmLanguage.json"
GAME_FILES = sorted(p for folder in ("games", "examples") for pattern in ("*.game", "*.gamelib")
                    for p in (ROOT / folder).rglob(pattern))


@pytest.fixture(scope="module")
def compiler(tmp_path_factory):
    folder = tmp_path_factory.mktemp("grammars")
    shutil.copy(GRAMMAR, folder / "source.game.json")  # babi finds a grammar by its scope name
    return Grammars(str(folder)).compiler_for_scope("source.game")


def tokenise(compiler, text: str) -> tuple[list[list[tuple[int, int, tuple[str, ...]]]], State]:
    state = compiler.root_state
    lines = []
    for i, line in enumerate(text.split("\n")):
        state, regions = highlight_line(compiler, state, line + "\n", first_line=i == 0)
        lines.append([(r.start, r.end, r.scope) for r in regions])
    return lines, state


def scopes_at(lines, text: str, line_no: int, needle: str) -> tuple[str, ...]:
    line = text.split("\n")[line_no]
    col = line.index(needle)
    for start, end, scope in lines[line_no]:
        if start <= col < end:
            return scope
    raise AssertionError(f"no region at {line_no}:{col}")


def test_the_extension_is_complete():
    package = json.loads((EXTENSION / "package.json").read_text())
    (language,) = package["contributes"]["languages"]
    assert language["id"] == "gamelang" and {".game", ".gamelib"} <= set(language["extensions"])
    (grammar,) = package["contributes"]["grammars"]
    assert grammar["scopeName"] == "source.game" and (EXTENSION / grammar["path"]).is_file()
    assert (EXTENSION / language["configuration"]).is_file()
    json.loads((EXTENSION / language["configuration"]).read_text())


def test_there_are_games_to_tokenise():
    assert len(GAME_FILES) >= 10


@pytest.mark.parametrize("path", GAME_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_game_tokenises_without_unmatched_regions(compiler, path):
    text = path.read_text(encoding="utf-8")
    lines, state = tokenise(compiler, text)
    for n, (line, regions) in enumerate(zip(text.split("\n"), lines)):
        for start, end, scope in regions:
            unmatched = line[start:end].strip() if len(scope) == 1 else ""
            assert not unmatched, f"{path.name}:{n + 1}: '{unmatched}' is matched by no pattern"
    assert state == compiler.root_state, f"{path.name} ends inside {state.cur.scope}"


def test_scopes_of_a_game(compiler):
    text = (ROOT / "games" / "taboo" / "taboo.game").read_text(encoding="utf-8")
    lines, _ = tokenise(compiler, text)
    rows = text.split("\n")

    def row(needle: str) -> int:
        return next(i for i, r in enumerate(rows) if needle in r)

    assert "comment.line.number-sign.game" in scopes_at(lines, text, 0, "Taboo")
    assert "storage.type.state.game" in scopes_at(lines, text, row("state describe"), "state")
    assert "entity.name.function.state.game" in scopes_at(lines, text, row("state describe"), "describe")
    intro = row("Your target word is")
    assert "string.quoted.triple.game" in scopes_at(lines, text, intro, "Your")
    assert "meta.embedded.expression.jinja" in scopes_at(lines, text, intro, "target_word")
    assert "meta.embedded.statement.jinja" in scopes_at(lines, text, row("{% for word"), "for")
    regex = row("move clue by")
    assert "string.regexp.game" in scopes_at(lines, text, regex, "/^CLUE")
    assert "keyword.control.game" in scopes_at(lines, text, row("ask describer"), "ask")
    assert "string.quoted.double.game" in scopes_at(lines, text, row('tell guesser "CLUE'), "CLUE:")
    wordle = (ROOT / "games" / "wordle" / "wordle.game").read_text(encoding="utf-8")
    header, _ = tokenise(compiler, wordle)
    start = next(i for i, r in enumerate(wordle.split("\n")) if r.strip().startswith("start "))
    assert "keyword.other.game" in scopes_at(header, wordle, start, "start")  # the header's first state
    # a division is an operator, not the start of a regex literal
    main = row("main = if(won")
    assert "keyword.operator.game" in scopes_at(lines, text, main, "/ turn")


def test_the_check_sees_unmatched_text_and_open_blocks(compiler):
    lines, state = tokenise(compiler, 'state s { @ }\nrole r { intro """\nstill open')
    assert any(len(scope) == 1 and "@" in "state s { @ }"[a:b] for a, b, scope in lines[0])
    assert state != compiler.root_state
