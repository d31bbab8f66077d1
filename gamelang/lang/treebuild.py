"""Faster tree building for the Lark LALR parser: one function per grammar rule.

Lark builds each node of the parse tree through a chain of small callable objects, one per
concern: drop the anonymous tokens (keywords, punctuation) and insert the ``None`` placeholders
of optional parts, inline a ``?rule`` with one child, make the :class:`~lark.Tree`, and (with
``propagate_positions``) set its ``meta`` from the first and last child. The expression rules
form a cascade of ``?rule``s (``or_expr`` down to ``atom``), so most reductions only pass one
child up. :func:`fuse_callbacks` replaces each rule's chain by one function that does the same
steps in the same order, giving the same trees and the same ``meta`` attributes (container
positions included), and passes a single child up without further work where Lark's chain
would change nothing.

Only chains made of the pieces understood here are replaced; any other rule (or a Lark whose
internals differ) keeps Lark's own callback. ``tests/lang/test_treebuild.py`` compares the trees
and every meta attribute with Lark's own on every game.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Callable

from lark import Lark, Token, Tree
from lark.parse_tree_builder import (
    ChildFilterLALR,
    ChildFilterLALR_NoPlaceholders,
    ExpandSingleChild,
    PropagatePositions,
)


def fuse_callbacks(parser: Lark) -> int:
    """Replace, in place, the tree-building callbacks of an LALR ``parser`` built with
    ``propagate_positions=True`` and no transformer; returns how many rules were replaced."""
    builder = getattr(parser, "_parse_tree_builder", None)
    callbacks = getattr(parser, "_callbacks", None)
    if builder is None or not isinstance(callbacks, dict) or parser.options.transformer is not None:
        return 0
    if getattr(builder, "ambiguous", True) or builder.propagate_positions is not True:
        return 0
    if getattr(builder, "tree_class", None) is not Tree:
        return 0
    replaced = 0
    for rule, chain in builder.rule_builders:
        fused = _fuse(rule, chain)
        if fused is not None and rule in callbacks:
            callbacks[rule] = fused
            replaced += 1
    return replaced


def _fuse(rule: Any, chain: list) -> Callable[[list], Any] | None:
    """One function doing what ``chain`` (Lark's wrappers for ``rule``) does, or None if it holds
    a piece not understood here."""
    expand1 = False
    to_include: tuple[tuple[int, bool, int], ...] | None = None
    nones_at_end = 0
    pieces = list(chain)
    if pieces and pieces[0] is ExpandSingleChild:
        expand1 = True
        pieces.pop(0)
    if pieces and isinstance(pieces[0], partial) and not pieces[0].keywords:
        cls, args = pieces[0].func, pieces[0].args
        if cls is ChildFilterLALR and len(args) == 2:
            to_include = tuple((int(i), bool(e), int(n)) for i, e, n in args[0])
            nones_at_end = int(args[1])
        elif cls is ChildFilterLALR_NoPlaceholders and len(args) == 1:
            to_include = tuple((int(i), bool(e), 0) for i, e in args[0])
        else:
            return None
        pieces.pop(0)
    if pieces != [PropagatePositions]:
        return None
    name = rule.alias or rule.options.template_source or rule.origin.name
    return _make(name, expand1, to_include, nones_at_end)


def _make(name: str, expand1: bool, to_include: tuple | None, nones_at_end: int) -> Callable[[list], Any]:
    def build(children: list) -> Any:
        if expand1 and to_include is None and len(children) == 1:
            # a `?rule` passing its one child up: a token gets no meta, and a tree's meta would be
            # set from itself (its container positions), which changes nothing
            child = children[0]
            if type(child) is not Tree or child._meta is not None:
                return child
        # the child filter (ChildFilterLALR): keep what the tree shows, expand `_rule`s, add placeholders
        if to_include is None:
            filtered = children
        else:
            filtered = []
            for i, to_expand, add_none in to_include:
                if add_none:
                    filtered += [None] * add_none
                if to_expand:
                    if filtered:
                        filtered += children[i].children
                    else:  # as Lark does for left recursion: take over the child's list
                        filtered = children[i].children
                else:
                    filtered.append(children[i])
            if nones_at_end:
                filtered += [None] * nones_at_end
        # ExpandSingleChild, then the tree
        res = filtered[0] if expand1 and len(filtered) == 1 else Tree(name, filtered)
        if isinstance(res, Tree):
            _propagate(res.meta, children)
        return res

    return build


def _propagate(meta: Any, children: list) -> None:
    """Lark's PropagatePositions: a node spans from its first child's container to its last's.

    A tree's meta that is not empty was set by this function, so it has the container positions
    (Lark's getattr fallbacks are never taken); a token is its own container."""
    for c in children:
        if isinstance(c, Token):
            line, column, start_pos = c.line, c.column, c.start_pos
        elif isinstance(c, Tree):
            m = c.meta
            if m.empty:
                continue
            line, column, start_pos = m.container_line, m.container_column, m.container_start_pos
        else:
            continue
        if "line" not in meta.__dict__:  # set already when the rule was inlined (`?rule`)
            meta.line, meta.column, meta.start_pos = line, column, start_pos
            meta.empty = False
        meta.container_line, meta.container_column, meta.container_start_pos = line, column, start_pos
        break
    for c in reversed(children):
        if isinstance(c, Token):
            end_line, end_column, end_pos = c.end_line, c.end_column, c.end_pos
        elif isinstance(c, Tree):
            m = c.meta
            if m.empty:
                continue
            end_line, end_column, end_pos = m.container_end_line, m.container_end_column, m.container_end_pos
        else:
            continue
        if "end_line" not in meta.__dict__:
            meta.end_line, meta.end_column, meta.end_pos = end_line, end_column, end_pos
            meta.empty = False
        meta.container_end_line, meta.container_end_column, meta.container_end_pos = end_line, end_column, end_pos
        break
