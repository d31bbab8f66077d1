"""The YAML front end: a YAML document -> located data of the same shape as the .game form.

ruamel.yaml keeps the line and column of every key and value; they become :class:`Located`
wrappers so that errors in a YAML game are positioned as precisely as in a .game file.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from .diagnostics import Diagnostics, SourcePos
from .source import Located, TextPos

#: Aliases can make a small document expand enormously; past this many nodes we stop. Locating
#: a node takes tens of microseconds, so this keeps loading within seconds; the shipped YAML
#: game has a few hundred (like MAX_TOKENS of the .game form).
MAX_NODES = 20_000


class _TooLarge(Exception):
    pass


def parse_game_yaml(text: str, path: str, diags: Diagnostics) -> dict | None:
    """Parse the YAML form of a game into located data (None, with a diagnostic, if invalid)."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    try:
        doc = yaml.load(text)
    except DuplicateKeyError as err:
        pos = _mark_pos(err.problem_mark)
        key = re.search(r'duplicate key "(.*?)"', str(err.problem))
        shown = f"'{key.group(1)}'" if key else ""
        diags.add(path, pos, "GL0008", f"duplicate key {shown}".strip(), "each key of a mapping may appear once")
        return None
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        pos = _mark_pos(mark) if mark is not None else SourcePos(1, 1)
        problem = err.problem or err.context or "invalid YAML"
        diags.add(path, pos, "GL0006", f"YAML syntax error: {_first_line(problem)}")
        return None
    except Exception as err:  # noqa: BLE001 - any failure of the parser on untrusted text is the text's
        # Besides YAMLError, ruamel's round-trip parser fails on some malformed texts with plain
        # errors of its own (ValueError, RecursionError, an AssertionError on a stray `|`, a
        # NotImplementedError on overlapping comments): each is a file that is not valid YAML.
        message = _first_line(str(err)) if str(err).strip() else type(err).__name__
        diags.add(path, SourcePos(1, 1), "GL0006", f"YAML error: {message}")
        return None
    if not isinstance(doc, CommentedMap):
        what = "empty" if doc is None else "a list" if isinstance(doc, CommentedSeq) else f"a single {type(doc).__name__}"
        diags.add(path, SourcePos(1, 1), "GL0007", f"a YAML game is a mapping with a `game` key; this document is {what}")
        return None
    lines = text.split("\n")
    try:
        return _locate(doc, SourcePos(1, 1), lines, [0], set()).value
    except _TooLarge:
        diags.add(path, SourcePos(1, 1), "GL0005", f"the document expands to more than {MAX_NODES:,} nodes (aliases?)")
        return None


def _first_line(text: str) -> str:
    return str(text).strip().splitlines()[0] if str(text).strip() else "invalid YAML"


def _mark_pos(mark: Any) -> SourcePos:
    return SourcePos(mark.line + 1, mark.column + 1)


def _pos(lc_pair: tuple[int, int] | None, fallback: SourcePos) -> SourcePos:
    if not lc_pair:
        return fallback
    return SourcePos(lc_pair[0] + 1, lc_pair[1] + 1)


def _locate(node: Any, pos: SourcePos, lines: list[str], count: list[int], active: set[int]) -> Located:
    count[0] += 1
    if count[0] > MAX_NODES:
        raise _TooLarge()
    if isinstance(node, (CommentedMap, CommentedSeq)):
        if id(node) in active:  # a recursive alias
            raise _TooLarge()
        active.add(id(node))
        try:
            if isinstance(node, CommentedMap):
                out: Any = {}
                for key in node:
                    key_pos = _pos(node.lc.key(key), pos)
                    value_pos = _pos(node.lc.value(key), key_pos)
                    k = Located(str(key) if not isinstance(key, (int, float, bool)) else key, key_pos)
                    out[k] = _locate(node[key], value_pos, lines, count, active)
            else:
                out = [_locate(v, _pos(node.lc.item(i), pos), lines, count, active) for i, v in enumerate(node)]
        finally:
            active.discard(id(node))
        return Located(out, pos)
    if isinstance(node, str):
        value = str(node)
        if isinstance(node, (LiteralScalarString, FoldedScalarString)):
            value = value.rstrip()  # as a """text block""" of the .game form
        return Located(value, pos, _text_pos(node, pos, lines))
    return Located(node, pos)


def _text_pos(node: str, pos: SourcePos, lines: list[str]) -> TextPos:
    """Where the content of a scalar starts, so errors inside it point at the right place."""
    if isinstance(node, (LiteralScalarString, FoldedScalarString)):
        # the content starts on the line after the `|` / `>` indicator, indented
        nxt = pos.line + 1
        while nxt <= len(lines) and not lines[nxt - 1].strip():
            nxt += 1
        if nxt <= len(lines):
            indent = len(lines[nxt - 1]) - len(lines[nxt - 1].lstrip())
            return TextPos(SourcePos(nxt, indent + 1), indent)
        return TextPos(pos)
    if isinstance(node, (DoubleQuotedScalarString, SingleQuotedScalarString)):
        return TextPos(SourcePos(pos.line, pos.column + 1))
    return TextPos(pos)
