"""The .game front end hands expressions and types to the spec already built from the file's parse
tree (no second parse of their text): they must equal what parsing their text gives, positions
included, since diagnostics map those positions back into the file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from gamelang.lang import expr as ex
from gamelang.lang import parser
from gamelang.lang.diagnostics import Diagnostics
from gamelang.lang.loader import load_spec_text

ROOT = Path(__file__).resolve().parents[2]
GAME_FILES = sorted(p for p in (ROOT / "games").rglob("*.game"))


def _deep(e):
    """An expression as nested tuples that include every position (Expr equality ignores them)."""
    if isinstance(e, ex.Expr):
        return (type(e).__name__, e.pos,
                tuple(_deep(getattr(e, f.name)) for f in dataclasses.fields(e) if f.name != "pos"))
    if isinstance(e, tuple):
        return tuple(_deep(x) for x in e)
    return e


def _handed_over(text: str) -> tuple[list[tuple[str, object]], list[tuple[str, object]]]:
    """(text, built value) of every expression and every type the builder hands over."""
    exprs, types = [], []
    builder_cls = parser.GameBuilder

    class Recording(builder_cls):
        def expression(self, node):
            located = super().expression(node)
            exprs.append((self.slice(node).value, located.value))
            return located

        def type_expr(self, node):
            located = super().type_expr(node)
            types.append((self.slice(node).value, located.value))
            return located

    diags = Diagnostics()
    tree = parser.parse_tree(text, "t.game", diags)
    assert tree is not None, diags.items
    Recording(text, "t.game", diags).build(tree)
    return exprs, types


@pytest.mark.parametrize("path", GAME_FILES, ids=lambda p: p.parent.name + "/" + p.name)
def test_built_expressions_equal_a_parse_of_their_text(path: Path) -> None:
    exprs, types = _handed_over(path.read_text(encoding="utf-8"))
    assert exprs, "a shipped game has expressions"
    for text, value in exprs:
        assert isinstance(value, ex.Expr), text
        assert _deep(value) == _deep(parser.parse_expression(text)), text
    for text, value in types:
        assert value == parser.parse_type(text), text


def test_positions_on_later_lines_are_relative_to_the_expression() -> None:
    text = 'game g { version 1 }\nstate s {\n  check   len(\n    "ab") +\n  x == 3\n}\n'
    (source, built), = _handed_over(text)[0]
    assert _deep(built) == _deep(parser.parse_expression(source))
    assert built.pos.line == 1 and built.pos.column == 1
    call = built.left.left
    assert (call.args[0].pos.line, call.args[0].pos.column) == (2, 5)  # same column as in the file


def test_an_unknown_type_is_left_as_text_and_reported_where_it_is_written() -> None:
    text = "game g { version 1 }\nvar v: lsit[str] = []\nstate s { end win }\n"
    _, types = _handed_over(text)
    assert types == [("lsit[str]", "lsit[str]")]
    loaded = load_spec_text(text, "t.game")
    (d,) = [d for d in loaded.diags.items if d.code == "GL0024"]
    assert (d.pos.line, d.pos.column) == (2, 8)


def test_a_number_too_long_to_read_is_left_to_the_spec() -> None:
    text = "game g { version 1 }\nvar v: int = " + "9" * 5000 + "\nstate s { end win }\n"
    exprs, _ = _handed_over(text)
    assert exprs[0][1] == exprs[0][0]  # kept as text: the spec reports it as before
    loaded = load_spec_text(text, "t.game")
    assert loaded.spec is None or loaded.partial
    assert any("digits" in d.message for d in loaded.diags.items)
