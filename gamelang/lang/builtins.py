"""The built-in names a game may read, declared once: their types for the checker, and where their
values come from for the interpreter.

Three scopes: ``episode`` names every expression and template may read (the interpreter keeps
them in the episode's bindings, starting from ``initial``; ``counter`` ones it counts up),
``player`` names only a scripted player's reply template may read (the interpreter's player
context), and ``score`` names only the score block may read (set when the episode is scored).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .types import BOOL, FLOAT, INT, STR, ListT, RecordT, Type


@dataclass(frozen=True)
class Builtin:
    """One built-in name."""

    name: str
    type: Type
    scope: str  # 'episode', 'player' or 'score'
    doc: str
    initial: Any = None  # episode names: the value an episode starts with
    counter: bool = False  # episode names the interpreter counts up (requests, parsed, ...)


BUILTINS: tuple[Builtin, ...] = (
    Builtin("requests", INT, "episode", "asks so far, re-prompts included", 0, counter=True),
    Builtin("parsed", INT, "episode", "replies parsed", 0, counter=True),
    Builtin("violated", INT, "episode", "replies that failed to parse", 0, counter=True),
    Builtin("reprompts", INT, "episode", "re-prompts so far", 0, counter=True),
    Builtin("steps", INT, "episode", "states entered and `for` items", 1, counter=True),  # the start state
    Builtin("partial_reward", FLOAT, "episode", "the sum of `reward` statements so far", 0.0),
    Builtin("paid", ListT(STR), "episode", "the keys of `reward ... once KEY` that have paid, in order", ()),
    Builtin("parse_error", STR, "episode", "why the last `parse` failed ('' when it succeeded)", ""),
    Builtin("last_message", STR, "player", "the last message the role received"),
    Builtin("asks", INT, "player", "how many times the role was asked before, in this episode"),
    Builtin("messages", ListT(RecordT((("role", STR), ("content", STR)))), "player",
            "the role's own conversation, as the role saw it"),
    Builtin("won", BOOL, "score", "whether the episode was won"),
    Builtin("lost", BOOL, "score", "whether the episode was lost"),
    Builtin("aborted", BOOL, "score", "whether the episode was aborted"),
    Builtin("outcome", STR, "score", "'win', 'lose' or 'abort'"),
)


def builtin_types(scope: str) -> dict[str, Type]:
    """The built-in names of one scope, with their types."""
    return {b.name: b.type for b in BUILTINS if b.scope == scope}


def counters() -> dict[str, int]:
    """The counters an episode starts with."""
    return {b.name: b.initial for b in BUILTINS if b.counter}


def episode_initial() -> dict[str, Any]:
    """Every episode name and the value an episode starts with (fresh containers each call)."""
    return {b.name: list(b.initial) if isinstance(b.initial, tuple) else b.initial
            for b in BUILTINS if b.scope == "episode"}
