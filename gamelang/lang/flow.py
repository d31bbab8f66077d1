"""The flow of a game's states, computed once for the checker and the graph.

:func:`edges` lists every transition of every state: the `goto`s and `end`s, guarded by the
conditions on their path, and the failure exits of `parse` and `check` (a `goto`, a re-prompt of
the state itself, an outcome). :func:`leaves` says whether every path through a block of
statements leaves the state. The checker's state graph (reachability, cycles) is the `goto`
edges of :func:`edges`; `gamelang graph` draws all of them. What each statement kind adds is its
``edges`` hook in gamelang/lang/statements.py; :class:`StateWalk` gives the hooks the state's path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import expr as ex
from .spec import GameSpec, Statement
from .statements import kind_of, leaves

__all__ = ["OUTCOMES", "Edge", "StateWalk", "edges", "leaves", "state_edges"]

OUTCOMES = ("win", "lose", "abort")


@dataclass(frozen=True)
class Edge:
    """One transition: from a state to a state or an outcome."""

    source: str
    target: str  # a state name, or 'win' / 'lose' / 'abort' when ``to_outcome``
    label: str
    to_outcome: bool = False
    reprompt: bool = False  # a re-prompt: the state asks again (bounded by its count, not a cycle)

    @property
    def node(self) -> str:
        """The target's node id (outcome nodes are prefixed, so a state may be called `win`)."""
        return f"end_{self.target}" if self.to_outcome else self.target


def edges(spec: GameSpec) -> list[Edge]:
    """Every distinct transition of the game, in declaration order."""
    out: list[Edge] = []
    for name, body in spec.states.items():
        out += state_edges(name, body)
    return list(dict.fromkeys(out))


def state_edges(state: str, body: list[Statement]) -> list[Edge]:
    """The transitions of one state, in the order of its statements."""
    walk = StateWalk(state)
    walk.walk(body, [])
    return walk.out


@dataclass
class StateWalk:
    """The edges found so far in one state; each statement kind's ``edges`` hook
    (gamelang/lang/statements.py) adds its own and says under which guards what follows runs."""

    state: str
    out: list[Edge] = field(default_factory=list)

    def walk(self, body: list[Statement], guards: list[ex.Expr]) -> None:
        """Walk a block of statements, each on the path that ``guards`` describe."""
        for stmt in body:
            after = kind_of(stmt).edges(self, stmt, guards)
            if after is None:  # every path has left the state
                return
            guards = after
        # falling off the end is a checker error; nothing to draw

    def edge(self, target: str, label: str, to_outcome: bool = False) -> None:
        """A transition to a state, or to an outcome."""
        self.out.append(Edge(self.state, target, label, to_outcome))

    def failure(self, failure: Any, what: str) -> None:
        """The exits of a failed `parse` or `check` (``what`` says when it fails)."""
        kind = failure.KEY if failure is not None else "abort"  # no `else`: the episode aborts
        if kind == "goto":
            self.out.append(Edge(self.state, failure.goto, what))
        elif kind == "reprompt":
            self.out.append(Edge(self.state, self.state, f"{what}: reprompt (at most {failure.reprompt})",
                                 reprompt=True))
            then = failure.then.KEY if failure.then is not None else "abort"
            self.out.append(Edge(self.state, then, f"{what} {failure.reprompt + 1} times", True))
        else:
            self.out.append(Edge(self.state, kind, what, True))

    @staticmethod
    def label(guards: list[ex.Expr]) -> str:
        """The text of `g1 and g2 and ...`, with the parentheses that keep each guard's meaning."""
        if not guards:
            return ""
        whole = guards[0]
        for g in guards[1:]:
            whole = ex.Binary("and", whole, g)
        return ex.unparse(whole)
