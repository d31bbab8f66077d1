"""The state machine of a game as a picture: Mermaid or Graphviz DOT text.

Edges are the `goto`s and `end`s of each state, labelled with the conditions that guard them,
plus the failure exits of `parse` and `check` (abort, lose, re-prompt).
"""

from __future__ import annotations

from dataclasses import dataclass

from .lang import expr as ex
from .lang.spec import (
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

    @property
    def node(self) -> str:
        """The target's node id (outcome nodes are prefixed, so a state may be called `win`)."""
        return f"end_{self.target}" if self.to_outcome else self.target


def edges(spec: GameSpec) -> list[Edge]:
    """Every distinct transition of the game, in declaration order."""
    out: list[Edge] = []
    for name, body in spec.states.items():
        _walk(name, body, [], out)
    return list(dict.fromkeys(out))


def _outcomes(found: list[Edge]) -> list[str]:
    return [o for o in OUTCOMES if any(e.to_outcome and e.target == o for e in found)]


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
                out.append(Edge(state, state, f"{what}: reprompt (at most {failure.reprompt})"))
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
            then_leaves, else_leaves = _leaves(stmt.then), _leaves(stmt.otherwise)
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


def _leaves(body: list[Statement]) -> bool:
    for stmt in body:
        if isinstance(stmt, (Goto, End)):
            return True
        if isinstance(stmt, If) and _leaves(stmt.then) and _leaves(stmt.otherwise):
            return True
    return False


def _mermaid_label(text: str) -> str:
    for ch, code in (("#", "#35;"), (":", "#58;"), (";", "#59;"), ('"', "#quot;"), ("\n", " ")):
        text = text.replace(ch, code)
    return text


def to_mermaid(spec: GameSpec) -> str:
    """A Mermaid stateDiagram-v2 of the game."""
    lines = ["stateDiagram-v2", f"    %% {spec.name}"]
    if spec.start_state:
        lines.append(f"    [*] --> {spec.start_state}")
    found = edges(spec)
    for e in found:
        label = f" : {_mermaid_label(e.label)}" if e.label else ""
        lines.append(f"    {e.source} --> {e.node}{label}")
    for outcome in _outcomes(found):
        lines += [f'    state "{outcome}" as end_{outcome}', f"    end_{outcome} --> [*]",
                  f"    class end_{outcome} {outcome}"]
    lines += ["    classDef win fill:#c8f7c5", "    classDef lose fill:#f7d4c5", "    classDef abort fill:#e0e0e0"]
    return "\n".join(lines) + "\n"


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def to_dot(spec: GameSpec) -> str:
    """A Graphviz digraph of the game."""
    lines = [f"digraph {_dot_quote(spec.name)} {{", "  rankdir=LR;", "  node [shape=box, style=rounded];",
             '  start [shape=point, label=""];']
    if spec.start_state:
        lines.append(f"  start -> {_dot_quote(spec.start_state)};")
    colours = {"win": "palegreen", "lose": "lightsalmon", "abort": "lightgrey"}
    found = edges(spec)
    for e in found:
        label = f" [label={_dot_quote(e.label)}]" if e.label else ""
        lines.append(f"  {_dot_quote(e.source)} -> {_dot_quote(e.node)}{label};")
    for outcome in _outcomes(found):
        lines.append(f'  {_dot_quote("end_" + outcome)} [label="{outcome}", shape=doublecircle, style=filled, '
                     f'fillcolor={colours[outcome]}];')
    lines.append("}")
    return "\n".join(lines) + "\n"
