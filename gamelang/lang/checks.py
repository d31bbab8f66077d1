"""Semantic checks of a game spec: the driver of the checker's passes.

The checker resolves every name, checks the types of every expression, compiles every template
and regex, follows the flow of every state (asks before parses, ways out, unreachable
statements), checks that every state is reachable and every cycle bounded, and warns about
unused declarations. It reports all problems of a file; what it computes on the way (constant
values, compiled templates and moves, the state graph) is kept in an :class:`Analysis` for the
compiler, so nothing is done twice.

The passes, in the order :meth:`Checker.run` runs them:

- resolve and types (gamelang/lang/resolve.py): the declarations, their names and types;
- statements (gamelang/lang/statecheck.py): each state's body, through the statement kinds'
  ``check`` hooks (gamelang/lang/statements.py);
- state graph (gamelang/lang/stategraph.py): reachable states, bounded cycles, on the edges of
  the flow analysis (gamelang/lang/flow.py);
- lint (gamelang/lang/lint.py): unused declarations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from . import expr as ex
from .diagnostics import Diagnostics, SourcePos, did_you_mean
from .functions import functions_for
from .lint import check_unused
from .loader import LoadedSpec
from .moves import MoveParser
from .resolve import PLAYER_BUILTINS, RESERVED, RESERVED_DOCS, RUNTIME_BUILTINS, SCORE_BUILTINS, Resolver
from .source import DataPath
from .spec import GameSpec
from .statecheck import StatementChecks
from .stategraph import check_graph
from .templates import CompiledTemplate
from .typecheck import Symbol, TypeChecker
from .types import Type

#: The built-in names, re-exported for the callers that read them here.
__all__ = ["PLAYER_BUILTINS", "RESERVED", "RESERVED_DOCS", "RUNTIME_BUILTINS", "SCORE_BUILTINS", "Analysis",
           "Checker", "check"]


@dataclass
class Analysis:
    """What the checker learned about a game, reused by the compiler."""

    scope: dict[str, Symbol] = field(default_factory=dict)
    const_values: dict[str, Any] = field(default_factory=dict)
    field_defaults: dict[str, Any] = field(default_factory=dict)
    experiment_values: dict[str, dict[str, Any]] = field(default_factory=dict)
    moves: dict[str, MoveParser] = field(default_factory=dict)
    templates: dict[str, CompiledTemplate] = field(default_factory=dict)  # inline templates by text
    file_templates: dict[str, CompiledTemplate] = field(default_factory=dict)
    edges: dict[str, list[str]] = field(default_factory=dict)
    asks_in: dict[str, bool] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # every file the game reads -> its text (for hashing)
    instances_file: Path | None = None  # the declared instance file, resolved and confined to the folder


class Checker(Resolver, StatementChecks):
    """Checks one loaded spec, adding diagnostics to it: the driver of the passes (resolve and
    types, statements, state graph, lint) and the reporting helpers they share."""

    def __init__(self, loaded: LoadedSpec) -> None:
        assert loaded.spec is not None
        self.loaded = loaded
        self.spec: GameSpec = loaded.spec
        self.smap = loaded.smap
        self.path = loaded.display
        self.diags: Diagnostics = loaded.diags
        self.partial = loaded.partial
        self.base_dir = loaded.base_dir
        self.a = Analysis()
        self.used: set[tuple[str, str]] = set()  # (namespace, name)
        self.functions = functions_for(self.spec.use)  # the functions this game may call

    # ------------------------------------------------------------------ reporting helpers
    def err(self, path: DataPath, code: str, message: str, hint: str | None = None, *, key: bool = False) -> None:
        pos = self.smap.key(path) if key else self.smap.at(path)
        self.diags.add(self.file_of(path), pos, code, message, hint)

    def file_of(self, path: DataPath) -> str:
        """The file the node at ``path`` was written in (the game's, or a file it imported from)."""
        return self.smap.file_of(path, self.path)

    def undefined(self, path: DataPath, code: str, what: str, name: str, known: Iterable[str]) -> None:
        """Report an undefined name, unless declarations were dropped (then it may exist)."""
        if self.partial:
            return
        known = list(known)
        hint = did_you_mean(name, known) or (f"declared {what}s: {', '.join(sorted(known))}" if known
                                             else f"no {what} is declared")
        self.err(path, code, f"undefined {what} '{name}'", hint)

    def reporter(self, path: DataPath):
        text = self.smap.text(path)
        display = self.file_of(path)

        def report(code: str, pos: SourcePos, message: str, hint: str | None = None) -> None:
            if self.partial and code in ("GL0012",):
                return
            self.diags.add(display, text.map(pos.line, pos.column, pos.end_line, pos.end_column), code, message, hint)

        return report

    def typecheck(self, e: ex.Expr, path: DataPath, scope: dict[str, Symbol]) -> Type:
        checker = TypeChecker(scope, self.reporter(path), lambda n: self.used.add(("name", n)), self.functions)
        return checker.check(e)

    # ------------------------------------------------------------------ entry point
    def run(self) -> Analysis:
        """Run every check; return what was computed."""
        self.check_libraries()
        self.check_names()
        self.check_instance()
        self.check_consts()
        self.check_tools()
        base = self.base_scope()
        self.check_vars(base)
        self.check_moves()
        scope = self.full_scope()
        self.a.scope = scope
        self.check_roles()
        self.check_states(scope)
        self.check_score(scope)
        self.check_players(scope)
        self.check_named_templates(scope)
        if not self.partial:  # the passes that need the whole game
            check_graph(self)
            check_unused(self)
        return self.a


def check(loaded: LoadedSpec) -> Analysis | None:
    """Check a loaded spec (adding diagnostics to it); None if there is no spec to check."""
    if loaded.spec is None:
        return None
    return Checker(loaded).run()

