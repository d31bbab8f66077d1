"""The compiled state machine: the intermediate form the interpreter runs.

Each state is a flat list of instructions (ops); `if` blocks become conditional jumps inside a
state, `goto` moves to another state, `end` finishes the episode. Expressions are closures,
templates are compiled sandboxed templates, moves are compiled parsers. Nothing here refers
to syntax: the runtime only ever sees a :class:`Machine`. :mod:`gamelang.builder` builds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .lang.moves import MoveParser
from .lang.spec import GameSpec
from .lang.templates import CompiledTemplate
from .lang.types import RecordT

Closure = Callable[[dict], Any]

#: Limits used when a game does not set them: generous, but every episode still ends.
DEFAULT_LIMITS = {"requests": 1_000, "steps": 10_000, "reply_chars": 20_000, "reply_tokens": 256}


@dataclass(frozen=True)
class FailureOp:
    """What to do when a parse or check fails."""

    kind: str  # 'abort', 'lose' or 'reprompt'
    reason: CompiledTemplate | None = None
    times: int = 0
    message: CompiledTemplate | None = None
    then_kind: str = "abort"
    then_reason: CompiledTemplate | None = None
    target: str | None = None  # kind 'goto': the state the game goes on in


@dataclass(frozen=True)
class Op:
    """An instruction; ``line`` is its line in the game file, for error messages."""

    line: int


@dataclass(frozen=True)
class AskOp(Op):
    role: str
    message: CompiledTemplate | None
    probe: bool = False  # the exchange stays out of the role's later history


@dataclass(frozen=True)
class ParseOp(Op):
    move: str
    failure: FailureOp


@dataclass(frozen=True)
class CheckOp(Op):
    cond: Closure
    text: str
    failure: FailureOp


@dataclass(frozen=True)
class SetOp(Op):
    var: str
    value: Closure
    text: str


@dataclass(frozen=True)
class TellOp(Op):
    role: str
    message: CompiledTemplate


@dataclass(frozen=True)
class ResultOp(Op):
    move: str  # the tool move whose call this answers
    role: str
    message: CompiledTemplate


@dataclass(frozen=True)
class RewardOp(Op):
    value: Closure
    role: str | None
    text: str
    key: str = ""  # the reward's key in records: "STATE:LINE", unless `once` gives one
    once: Closure | None = None  # with `once KEY`: the key, which pays at most once per episode


@dataclass(frozen=True)
class JumpUnlessOp(Op):
    cond: Closure
    target: int
    text: str


@dataclass(frozen=True)
class JumpOp(Op):
    target: int


@dataclass(frozen=True)
class ForStartOp(Op):
    key: str  # the hidden binding that holds (items, next position) while the loop runs
    items: Closure
    text: str


@dataclass(frozen=True)
class ForNextOp(Op):
    key: str
    var: str
    target: int  # where the loop goes on when the items are done


@dataclass(frozen=True)
class GotoOp(Op):
    state: str


@dataclass(frozen=True)
class EndOp(Op):
    outcome: str
    reason: CompiledTemplate | None


@dataclass
class StateCode:
    """One state: its name and instructions."""

    name: str
    ops: list[Op]
    line: int
    #: the library the state was imported from, relative to the game's folder (None: the game's own);
    #: the lines of its instructions are lines of that file
    file: str | None = None


@dataclass(frozen=True)
class RoleInfo:
    """A role of the game."""

    name: str
    system: CompiledTemplate | None
    intro: CompiledTemplate | None
    persona: str | None  # the instance field holding the persona, for simulated roles
    description: str = ""


@dataclass(frozen=True)
class ScriptedPlayer:
    """A reference player declared in the game: a reply template with full knowledge."""

    name: str
    role: str
    reply: CompiledTemplate


@dataclass(frozen=True)
class Limits:
    """Bounds every episode keeps."""

    requests: int
    steps: int
    reply_chars: int
    reply_tokens: int
    on_limit: str = "lose"
    on_limit_reason: CompiledTemplate | None = None


@dataclass(frozen=True)
class InstanceSource:
    """Where a game's instances come from."""

    file: Path
    experiment_field: str | None
    id_field: str | None


@dataclass
class Machine:
    """A compiled game."""

    name: str
    version: str
    description: str
    path: Path
    content_hash: str
    spec: GameSpec
    instance_type: RecordT
    field_defaults: dict[str, Any]
    experiment_values: dict[str, dict[str, Any]]
    instance_source: InstanceSource | None
    consts: dict[str, Any]
    var_inits: list[tuple[str, Closure]]
    roles: dict[str, RoleInfo]
    moves: dict[str, MoveParser]
    states: dict[str, StateCode]
    start: str
    score_main: Closure | None
    score_reward: Closure | None
    metrics: list[tuple[str, Closure]]
    players: dict[str, ScriptedPlayer]
    limits: Limits
    extras: dict[str, Any] = field(default_factory=dict)
    #: 'main', 'reward' -> (line in the game file, text), for the messages of a score that fails
    score_sources: dict[str, tuple[int, str]] = field(default_factory=dict)

    def tools_for(self, role: str) -> tuple[dict[str, Any], ...]:
        """The tools ``role`` may call (those its tool moves parse), as function-calling schemas."""
        cache = self.extras.setdefault("tools_for", {})
        if role not in cache:
            from .lang.moves import tool_schemas

            offered = {}
            for parser in self.moves.values():
                if parser.kind == "tool" and parser.move.by == role:
                    offered.update(parser.tools)
            cache[role] = tuple(tool_schemas(offered))
        return cache[role]

    def reference_player(self, role: str, name: str | None = None) -> ScriptedPlayer | None:
        """The scripted player for ``role`` (the one called ``name``, or the first declared)."""
        for p in self.players.values():
            if p.role == role and (name is None or p.name == name):
                return p
        return None


def __getattr__(name: str) -> Any:
    # the builder moved to gamelang.builder; this keeps `from gamelang.machine import MachineBuilder`
    # working (imported lazily: the builder imports this module)
    if name == "MachineBuilder":
        from .builder import MachineBuilder

        return MachineBuilder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
