"""The state machine of a game as a picture: Mermaid or Graphviz DOT text.

Edges are the `goto`s and `end`s of each state, labelled with the conditions that guard them,
plus the failure exits of `parse` and `check` (abort, lose, re-prompt): the flow analysis of
gamelang/lang/flow.py, which the checker's state graph uses too.
"""

from __future__ import annotations

from .lang.flow import OUTCOMES, Edge, edges
from .lang.spec import GameSpec

__all__ = ["Edge", "edges", "to_dot", "to_mermaid"]


def _outcomes(found: list[Edge]) -> list[str]:
    return [o for o in OUTCOMES if any(e.to_outcome and e.target == o for e in found)]


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
