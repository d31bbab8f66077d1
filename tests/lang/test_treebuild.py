"""The fused tree-building callbacks (gamelang/lang/treebuild.py) give the trees Lark's own
callbacks give, with every meta attribute equal, on every game and on texts with syntax errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from lark import Tree
from lark.exceptions import UnexpectedInput

from gamelang.lang import parser
from gamelang.lang.treebuild import fuse_callbacks
from gamelang.parsercache import lalr_parser

ROOT = Path(__file__).resolve().parents[2]
GAME_FILES = sorted((ROOT / "games").rglob("*.game")) + sorted((ROOT / "tests").rglob("*.game"))


def _lark_parser():
    """A parser with Lark's own callbacks, built with the options of :func:`parser.get_parser`."""
    return lalr_parser(parser.GRAMMAR_PATH.read_text(encoding="utf-8"), start=["start", "expr", "type"],
                       propagate_positions=True, maybe_placeholders=True, postlex=parser._WholeWordKeywords())


@pytest.fixture(scope="module")
def parsers():
    plain, fused = _lark_parser(), _lark_parser()
    assert fuse_callbacks(fused) == len(fused._callbacks)
    return plain, fused


def _nodes(tree, out):
    """Every node's rule name and meta attributes, in order."""
    if isinstance(tree, Tree):
        out.append((tree.data, dict(vars(tree.meta))))
        for child in tree.children:
            _nodes(child, out)
    return out


def _parse(p, text, start):
    try:
        return p.parse(text, start=start)
    except UnexpectedInput as err:
        return (type(err).__name__, err.line, err.column)


def _same(plain, fused, text, start="start"):
    a, b = _parse(plain, text, start), _parse(fused, text, start)
    assert a == b
    assert _nodes(a, []) == _nodes(b, [])
    return a


@pytest.mark.parametrize("path", GAME_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_fused_callbacks_build_the_same_trees(parsers, path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
    _same(*parsers, text)


@pytest.mark.parametrize("text", [
    "(a)", "((a + b)) * -(c)", "f(x, y => y.z)[1:2]", "[x for i, x in xs if (x)]", "not (a in b)", "{\"k\": (1)}",
])
def test_parenthesised_expressions_keep_their_positions(parsers, text: str) -> None:
    tree = _same(*parsers, text, "expr")
    assert isinstance(tree, Tree) and not tree.meta.empty


def test_texts_with_syntax_errors_fail_alike(parsers) -> None:
    _same(*parsers, "game g { version 1 }\nstate s { check (a + }\n")
    _same(*parsers, "state s { ask }")


def test_the_shared_parser_is_fused() -> None:
    callbacks = parser.get_parser()._callbacks.values()
    assert all(getattr(cb, "__module__", "") == "gamelang.lang.treebuild" for cb in callbacks)
    tree = parser.get_parser().parse("a + (b)", start="expr")
    assert tree.data == "binary" and (tree.meta.line, tree.meta.column, tree.meta.end_column) == (1, 1, 8)
