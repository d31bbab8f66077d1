"""The statement pass of the checker: the body of every state.

Each statement is checked by its kind's ``check`` hook (gamelang/lang/statements.py): the names
and types it uses, and the flow facts a state's path carries (which role was asked last, whether
the path has left the state). This pass adds what holds for whole blocks: a state whose paths
can reach its end (GL0026), statements after a block that always leaves (GL0028), and the state
graph's edges for the graph pass (gamelang/lang/stategraph.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import expr as ex
from .flow import state_edges
from .source import DataPath
from .spec import Ask, Statement
from .statements import kind_of, walk
from .typecheck import Symbol, TypeChecker
from .types import Type


@dataclass(frozen=True)
class Flow:
    """What is known while walking the statements of one state."""

    last_ask: str | None = None  # the role asked last on every path, or '?' if paths differ
    asked: bool = False
    done: bool = False  # every path has ended (goto/end)


class StatementChecks:
    """The statement checks of :class:`~gamelang.lang.checks.Checker` (a mixin)."""

    # ------------------------------------------------------------------ states
    def check_states(self, scope: dict[str, Symbol]) -> None:
        for name, body in self.spec.states.items():
            # the state graph: the transitions to states of the one flow analysis (lang/flow.py);
            # re-prompts are bounded by their count and make no cycle
            self.a.edges[name] = [e.target for e in state_edges(name, body)
                                  if not e.to_outcome and not e.reprompt and e.target in self.spec.states]
            self.a.asks_in[name] = any(isinstance(stmt, Ask) for _, stmt in walk(body))
            flow = self.block(name, body, ("states", name), scope, Flow())
            if not flow.done:
                self.err(("states", name), "GL0026",
                         f"state '{name}' can reach its end without `goto` or `end`",
                         "finish every path of the state with `goto STATE` or `end win|lose|abort`", key=True)

    def block(self, state: str, body: list[Statement], path: DataPath, scope: dict[str, Symbol], flow: Flow) -> Flow:
        warned = False
        for i, stmt in enumerate(body):
            spath = path + (i,)
            if flow.done and not warned:
                self.err(spath, "GL0028", "this statement is never run: the statements before it always "
                                          "leave the state")
                warned = True
            flow = self.statement(state, stmt, spath, scope, flow)
        return flow

    def statement(self, state: str, stmt: Statement, path: DataPath, scope: dict[str, Symbol], flow: Flow) -> Flow:
        """Check one statement with its kind's hook; the flow facts after it."""
        return kind_of(stmt).check(self, state, stmt, path, scope, flow)

    def typecheck_expect(self, e: ex.Expr, path: DataPath, scope: dict[str, Symbol], want: Type, what: str) -> None:
        checker = TypeChecker(scope, self.reporter(path), lambda n: self.used.add(("name", n)), self.functions)
        checker.expect(e, want, what)

    def failure(self, failure: Any, path: DataPath, scope: dict[str, Symbol], flow: Flow) -> None:
        if failure is None:
            return
        if failure.KEY == "goto":
            if failure.goto not in self.spec.states:
                self.undefined(path + ("goto",), "GL0010", "state", failure.goto, self.spec.states)
            return
        if failure.KEY == "reprompt":
            if not flow.asked:
                self.err(path, "GL0029", "`reprompt` needs an `ask` before it in the same state")
            self.template(failure.message, path + ("message",), scope)
            if failure.then is not None:
                self.reason(failure.then.reason, path + ("then", failure.then.KEY), scope)
            return
        self.reason(failure.reason, path + (failure.KEY,), scope)

    def reason(self, text: str | None, path: DataPath, scope: dict[str, Symbol]) -> None:
        if text is not None:
            self.text_template(text, path, self.smap.text(path), self.file_of(path), scope, {})
