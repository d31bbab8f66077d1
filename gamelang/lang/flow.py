"""The flow of a game's states, computed once for the checker, the graph and the builder.

:func:`edges` lists every transition of every state: the `goto`s and `end`s, guarded by the
conditions on their path, and the failure exits of `parse` and `check` (a `goto`, a re-prompt of
the state itself, an outcome). :func:`leaves` says whether every path through a block of
statements leaves the state. The checker's state graph (reachability, cycles) is the `goto`
edges of :func:`edges`; `gamelang graph` draws all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import expr as ex
from .spec import (
    Check,
    End,
    ForEach,
    GameSpec,
    Goto,
    GotoFailure,
    If,
    LoseFailure,
    Parse,
    Reprompt,
    Statement,
)

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
    out: list[Edge] = []
    _walk(state, body, [], out)
    return out


def _walk(state: str, body: list[Statement], guards: list[ex.Expr], out: list[Edge]) -> None:
    for stmt in body:
        label = _conjunction(guards)
        if isinstance(stmt, Goto):
            out.append(Edge(state, stmt.goto, label))
            return
        if isinstance(stmt, End):
            out.append(Edge(state, stmt.end, label, True))
            return
        if isinstance(stmt, (Parse, Check)):
            what = f"parse {stmt.parse} fails" if isinstance(stmt, Parse) else ex.unparse(_negated(stmt.check))
            if guards:  # the failure happens only on the path the guards describe
                what = (_conjunction(guards + [ex.Name("PARSE_FAILS")]).replace("PARSE_FAILS", what)
                        if isinstance(stmt, Parse) else _conjunction(guards + [_negated(stmt.check)]))
            failure = stmt.otherwise
            if isinstance(failure, GotoFailure):
                out.append(Edge(state, failure.goto, what))
            elif isinstance(failure, Reprompt):
                out.append(Edge(state, state, f"{what}: reprompt (at most {failure.reprompt})", reprompt=True))
                kind = "lose" if isinstance(failure.then, LoseFailure) else "abort"
                out.append(Edge(state, kind, f"{what} {failure.reprompt + 1} times", True))
            else:
                kind = "lose" if isinstance(failure, LoseFailure) else "abort"
                out.append(Edge(state, kind, what, True))
            if isinstance(stmt, Check):  # what follows runs only when the check held
                guards = guards + [stmt.check]
        if isinstance(stmt, ForEach):  # the body's exits, for some item; the loop may also run no time
            _walk(state, stmt.body, guards + [ex.Binary("in", ex.Name(stmt.var), stmt.items)], out)
        if isinstance(stmt, If):
            _walk(state, stmt.then, guards + [stmt.cond], out)
            _walk(state, stmt.otherwise, guards + [_negated(stmt.cond)], out)
            then_leaves, else_leaves = leaves(stmt.then), leaves(stmt.otherwise)
            if then_leaves and else_leaves:
                return
            if then_leaves:  # the statements after the `if` run only when its condition is false
                guards = guards + [_negated(stmt.cond)]
            elif else_leaves:
                guards = guards + [stmt.cond]
    # falling off the end is a checker error; nothing to draw


def _negated(cond: ex.Expr) -> ex.Expr:
    """`not cond`, without a double negation."""
    if isinstance(cond, ex.Unary) and cond.op == "not":
        return cond.operand
    if isinstance(cond, ex.Binary) and cond.op in _OPPOSITE:
        return ex.Binary(_OPPOSITE[cond.op], cond.left, cond.right)
    return ex.Unary("not", cond)


_OPPOSITE = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">", "in": "not in", "not in": "in"}


def _conjunction(guards: list[ex.Expr]) -> str:
    """The text of `g1 and g2 and ...`, with the parentheses that keep each guard's meaning."""
    if not guards:
        return ""
    whole = guards[0]
    for g in guards[1:]:
        whole = ex.Binary("and", whole, g)
    return ex.unparse(whole)


def leaves(body: list[Statement]) -> bool:
    """Whether every path through ``body`` ends with `goto` or `end` (a loop may run no time)."""
    for stmt in body:
        if isinstance(stmt, (Goto, End)):
            return True
        if isinstance(stmt, If) and leaves(stmt.then) and leaves(stmt.otherwise):
            return True
    return False
