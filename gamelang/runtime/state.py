"""The state of one episode, as a plain value.

An episode is a compiled :class:`~gamelang.machine.Machine` (shared, never copied) plus an
:class:`EpisodeState`: registers (state, program counter, who is asked), the mutable bindings
(variables, moves, counters), the conversations, the pending messages, the rewards and the event
log. The instance data and the game's constants are an immutable layer under the bindings: they
are read through the instance, never copied, so forking a wordle episode does not copy its word
list.

Everything in an :class:`EpisodeState` is plain data, so it pickles (to send an episode to another
process or keep a search tree on disk) and copies cheaply: :meth:`EpisodeState.fork` copies the
containers of the small mutable layer and shares everything that is never mutated in place
(event dicts, message dicts, token tuples, the instance).
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields, replace
from typing import Any

from ..instances import Instance
from ..turns import TokenTurn

#: The root branch of an episode; forks are named "1", "2", ..., their forks "1.1", "1.2", ...
ROOT_BRANCH = ""


@dataclass
class EpisodeState:
    """Everything that changes while an episode runs (docs/episodes.md, "Episode state")."""

    # identity and lineage
    game: str
    game_hash: str
    instance: Instance
    episode: int
    seed: int
    branch: str = ROOT_BRANCH
    parent: str | None = None
    forked_at: int | None = None  # number of events shared with the parent
    children: int = 0  # forks made so far (names the next one)
    players: dict[str, str] = field(default_factory=dict)
    # registers
    current: str = ""  # the game state the episode is in
    pc: int = 0
    waiting_for: str | None = None
    done: bool = False
    last_ask_pc: int | None = None
    override_message: str | None = None
    reprompts_here: dict[int, int] = field(default_factory=dict)
    # the mutable layer of bindings: variables, moves, counters (instance data and constants are below it)
    bindings: dict[str, Any] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    # conversations
    histories: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    pending: dict[str, list[str]] = field(default_factory=dict)
    # a role's exchange in the probe it is in (question, replies, re-prompts): shown to it while the
    # probe lasts, never added to its history
    probing: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    last_reply: dict[str, str] = field(default_factory=dict)
    asks: dict[str, int] = field(default_factory=dict)
    tokens: list[TokenTurn] = field(default_factory=list)
    # results
    rewards: list[dict[str, Any]] = field(default_factory=list)
    paid: list[str] = field(default_factory=list)  # keys of `reward ... once KEY` that have paid
    reward_since_step: float = 0.0
    events: list[dict[str, Any]] = field(default_factory=list)
    outcome: str | None = None
    reason: str | None = None
    ended_by: str | None = None  # the role whose reply ended the episode by breaking a rule
    scores: dict[str, Any] | None = None
    started: float = 0.0
    ended: float | None = None

    @classmethod
    def start(cls, game: str, game_hash: str, instance: Instance, episode: int, seed: int,
              players: dict[str, str], current: str, started: float, counters: dict[str, int],
              histories: dict[str, list[dict[str, Any]]], pending: dict[str, list[str]],
              asks: dict[str, int], bindings: dict[str, Any] | None = None) -> "EpisodeState":
        """The state a new episode starts with: what ``EpisodeState(game=game, ...)`` makes with
        these fields (the others their defaults), the same object, made without the dataclass's
        ``__init__`` (one per episode; tests/runtime/test_state_start.py keeps the two equal)."""
        state = object.__new__(cls)
        # every field in the order of the class: a copy of the defaults that are never mutated
        # (a dict copied whole is cheaper than one built key by key), then the given values and
        # a new container for each field with a default factory
        values = _START_VALUES.copy()
        values["game"] = game
        values["game_hash"] = game_hash
        values["instance"] = instance
        values["episode"] = episode
        values["seed"] = seed
        values["players"] = players
        values["current"] = current
        values["reprompts_here"] = {}
        values["bindings"] = {} if bindings is None else bindings
        values["counters"] = counters
        values["histories"] = histories
        values["pending"] = pending
        values["probing"] = {}
        values["last_reply"] = {}
        values["asks"] = asks
        values["tokens"] = []
        values["rewards"] = []
        values["paid"] = []
        values["events"] = []
        values["started"] = started
        state.__dict__ = values
        return state

    @property
    def key(self) -> tuple[str, str, str, int, str]:
        """(game, experiment, instance, episode, branch): unique within a run and its search trees."""
        return (self.game, self.instance.experiment, self.instance.id, self.episode, self.branch)

    def copy(self) -> "EpisodeState":
        """An independent copy: the containers of the mutable layer are copied, their items shared.

        Items are never mutated in place (bindings are replaced, messages and events appended as
        new dicts), so sharing them is safe and keeps a copy to a few microseconds.
        """
        return replace(
            self,
            reprompts_here=dict(self.reprompts_here),
            bindings=dict(self.bindings),
            counters=dict(self.counters),
            histories={r: list(h) for r, h in self.histories.items()},
            pending={r: list(p) for r, p in self.pending.items()},
            probing={r: list(p) for r, p in self.probing.items()},
            last_reply=dict(self.last_reply),
            asks=dict(self.asks),
            tokens=list(self.tokens),
            rewards=list(self.rewards),
            paid=list(self.paid),
            events=list(self.events),
            players=dict(self.players),
        )

    def fork(self, branch: str | None = None) -> "EpisodeState":
        """A child branch that goes on from here; its lineage points at this state's branch."""
        if branch is None:
            self.children += 1
            branch = f"{self.branch}.{self.children}" if self.branch else str(self.children)
        child = self.copy()
        child.branch, child.parent, child.forked_at, child.children = branch, self.branch, len(self.events), 0
        return child


STATE_FIELDS = tuple(f.name for f in fields(EpisodeState))

#: What :meth:`EpisodeState.start` copies: every field in order, with its default where that is a
#: value (None where it is a factory's or where there is none: start sets each of those).
_START_VALUES: dict[str, Any] = {f.name: None if f.default is MISSING else f.default for f in fields(EpisodeState)}
