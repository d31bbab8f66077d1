"""The state-graph pass of the checker: every state reachable from the start state, every cycle
bounded by a limit. It runs on the edges the flow analysis found (gamelang/lang/flow.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .checks import Checker


def check_graph(checker: "Checker") -> None:
    """GL0025 (unreachable states) and GL0027 (cycles that no limit bounds), on the state graph."""
    start = checker.spec.start_state
    if start not in checker.spec.states:  # none, or an undefined `start` (GL0010)
        return
    seen = {start}
    todo = [start]
    while todo:
        for nxt in checker.a.edges.get(todo.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    for name in checker.spec.states:
        if name not in seen:
            imported = checker.file_of(("states", name)) != checker.path
            checker.err(("states", name), "GL0025", f"state '{name}' is unreachable: no `goto` from the start "
                                                 f"state '{start}' leads to it",
                        # a library's state the game imported but never goes to
                        "import by name only the states the game goes to: import NAME, ... from \"FILE\""
                        if imported else None, key=True)
    cycle = _find_cycle(checker.a.edges, seen)
    if cycle is None:
        return
    limits = checker.spec.limits
    shown = " -> ".join(cycle + [cycle[0]])
    if limits.requests is None and limits.steps is None:
        checker.err(("states", cycle[0]), "GL0027", f"states can repeat forever ({shown}) and no limit bounds them",
                 "declare limits { requests N } (or steps N) to bound every episode", key=True)
    elif limits.steps is None and not any(checker.a.asks_in.get(s) for s in cycle):
        checker.err(("states", cycle[0]), "GL0027", f"the cycle {shown} asks no role, so a request limit "
                                                 "cannot bound it", "declare limits { steps N }", key=True)


def _find_cycle(edges: dict[str, list[str]], nodes: set[str]) -> list[str] | None:
    """One cycle among the reachable states, or None (iterative depth-first search)."""
    done: set[str] = set()
    for root in sorted(nodes):
        if root in done:
            continue
        path: list[str] = [root]
        on_path = {root}
        pending = [iter(edges.get(root, []))]
        while pending:
            nxt = next(pending[-1], None)
            if nxt is None:
                pending.pop()
                node = path.pop()
                on_path.discard(node)
                done.add(node)
            elif nxt in on_path:
                return path[path.index(nxt):]
            elif nxt not in done:
                path.append(nxt)
                on_path.add(nxt)
                pending.append(iter(edges.get(nxt, [])))
    return None
