"""Semantic checks of a game spec.

The checker resolves every name, checks the types of every expression, compiles every template
and regex, follows the flow of every state (asks before parses, ways out, unreachable
statements), checks that every state is reachable and every cycle bounded, and warns about
unused declarations. It reports all problems of a file; what it computes on the way (constant
values, compiled templates and moves, the state graph) is kept in an :class:`Analysis` for the
compiler, so nothing is done twice.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from pydantic import TypeAdapter, ValidationError

from . import expr as ex
from .builtins import BUILTINS, builtin_types
from .diagnostics import Diagnostics, SourcePos, did_you_mean
from .evaluate import compile_expr
from .flow import state_edges
from .functions import LIBRARIES, EvalError, functions_for, library_of
from .lint import check_unused
from .loader import LoadedSpec
from .moves import (
    TOOL_RECORD_FIELDS,
    TOOLS_TYPE,
    MoveError,
    MoveParser,
    compile_regex,
    tool_schemas,
)
from .parser import EXPRESSION_KEYWORDS
from .source import MAX_SOURCE_BYTES, DataPath, OutsideFolder, TextPos, confined_path
from .spec import (
    Ask,
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
    Result,
    Reward,
    SetVar,
    Statement,
    Tell,
    Template,
    TemplateFile,
    TemplateRef,
)
from .stategraph import check_graph
from .templates import CompiledTemplate, TemplateProblem, compile_template
from .typecheck import _KIND_NAMES, SCOPED_BUILTINS, Symbol, TypeChecker
from .types import (
    BOOL,
    FLOAT,
    INT,
    STR,
    AnyT,
    ListT,
    MapT,
    NothingT,
    Prim,
    RecordT,
    Type,
    to_annotation,
)

#: Names every expression and template may read: counters and sums the interpreter keeps.
RUNTIME_BUILTINS: dict[str, Type] = builtin_types("episode")
#: Names only a scripted player's reply template may read.
PLAYER_BUILTINS: dict[str, Type] = builtin_types("player")
SCORE_BUILTINS: dict[str, Type] = builtin_types("score")
RESERVED = set(RUNTIME_BUILTINS) | set(PLAYER_BUILTINS) | set(SCORE_BUILTINS) | {"main", "role", "tools"}
#: What each reserved name is, for GL0033.
RESERVED_DOCS = {**{b.name: b.doc for b in BUILTINS}, "main": "the main score of the score block",
                 "role": "reserved by the interpreter", "tools": "the declared tools, in templates"}


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


@dataclass
class _Flow:
    """What is known while walking the statements of one state."""

    last_ask: str | None = None  # the role asked last on every path, or '?' if paths differ
    asked: bool = False
    done: bool = False  # every path has ended (goto/end)


class Checker:
    """Checks one loaded spec, adding diagnostics to it."""

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

    # ------------------------------------------------------------------ names
    def check_libraries(self) -> None:
        """`use LIB` names a function library that exists."""
        for i, lib in enumerate(self.spec.use):
            if lib not in LIBRARIES:
                self.err(("use", i), "GL0045", f"unknown function library '{lib}'",
                         did_you_mean(lib, LIBRARIES) or f"the libraries are: {', '.join(sorted(LIBRARIES))}")

    def check_names(self) -> None:
        owners: dict[str, str] = {}
        sections = (("instance", "instance field"), ("consts", "constant"), ("vars", "variable"), ("moves", "move"))
        reserved_words = EXPRESSION_KEYWORDS
        personas = {r.persona for r in self.spec.roles.values() if r.persona is not None}
        for section, what in sections:
            for name in getattr(self.spec, section):
                path = (section, name)
                # a function name is free: calls and names never meet (`round(x)` is the function,
                # `round` the game's name), and in templates the game's name hides the function
                if name in RESERVED or name in reserved_words:
                    kind = (f"a keyword (reserved: {', '.join(sorted(reserved_words))})" if name in reserved_words
                            else f"a built-in name ({RESERVED_DOCS.get(name, 'see docs/language.md')})")
                    self.err(path, "GL0033", f"the {what} name '{name}' is {kind}",
                             f"choose another name, such as '{name}_'; docs/language.md (Lexical structure) "
                             "lists the reserved names", key=True)
                elif name == "persona" and personas - {"persona"}:
                    self.err(path, "GL0033", f"the {what} name 'persona' is taken: in the templates of a role "
                                             f"with `persona FIELD`, `persona` is that field",
                             "choose another name, such as 'persona_'", key=True)
                if name in owners:
                    self.err(path, "GL0008", f"'{name}' is declared both as {owners[name]} and as {what}",
                             "names of fields, constants, variables and moves share one namespace", key=True)
                owners.setdefault(name, what)
        if not self.spec.states and not self.partial:
            self.err(("game",), "GL0031", "the game declares no states", "add: state start { ... }", key=True)

    # ------------------------------------------------------------------ instances and constants
    def check_instance(self) -> None:
        for name, f in self.spec.instance.items():
            if f.default is not None:
                value = self.constant(f.default, ("instance", name, "default"), f.type, f"the default of '{name}'")
                if value is not _INVALID:
                    self.a.field_defaults[name] = value
        decl = self.spec.instances
        if decl is not None:
            file = self.confine(decl.file, ("instances", "file"))
            if file is not None and not file.is_file():
                self.err(("instances", "file"), "GL0023", f"instance file '{decl.file}' does not exist",
                         f"it is looked for in {self.base_dir}")
            elif file is not None:
                self.a.instances_file = file
            for key in (decl.by, decl.id):  # a field that groups or names the instances is used
                if key is not None:
                    self.used.add(("name", key))
        for exp, settings in self.spec.experiments.items():
            values: dict[str, Any] = {}
            for key, value_expr in settings.items():
                path = ("experiments", exp, key)
                if key not in self.spec.instance:
                    self.err(path, "GL0036", f"experiment '{exp}' sets '{key}', which is not an instance field",
                             did_you_mean(key, self.spec.instance), key=True)
                    continue
                value = self.constant(value_expr, path, self.spec.instance[key].type, f"'{key}' in experiment '{exp}'")
                if value is not _INVALID:
                    values[key] = value
            self.a.experiment_values[exp] = values

    def constant(self, e: ex.Expr, path: DataPath, want: Type, what: str, scope: dict[str, Symbol] | None = None) -> Any:
        """Evaluate a compile-time constant and check its type."""
        names = ex.names_in(e)
        if names - set(scope or {}):
            self.err(path, "GL0035", f"{what} must be a constant; it reads {', '.join(sorted(names))}")
            return _INVALID
        reported = len(self.diags.items)
        got = self.typecheck(e, path, scope or {})
        if len(self.diags.items) > reported:  # a type error (reported): never evaluated, `-"text"` would raise
            return _INVALID
        if not got.fits(want):
            self.err(path, "GL0019", f"{what} is {got}, but the declared type is {want}")
            return _INVALID
        try:
            env = {n: self.a.const_values[n] for n in names if n in self.a.const_values}
            value = compile_expr(e)(env)
        except EvalError as err:
            self.err(path, "GL0035", f"{what} cannot be computed: {err}")
            return _INVALID
        return float(value) if want == FLOAT and isinstance(value, int) else value

    def check_consts(self) -> None:
        for name, c in self.spec.consts.items():
            path = ("consts", name)
            if c.value is not None:
                scope = {n: Symbol(n, self.spec.consts[n].type, "const") for n in self.a.const_values}
                value = self.constant(c.value, path + ("value",), c.type, f"constant '{name}'", scope)
            else:
                value = self.const_from_file(name, c.file or "", c.type, path + ("file",))
            if value is not _INVALID:
                self.a.const_values[name] = value

    def const_from_file(self, name: str, file_name: str, want: Type, path: DataPath) -> Any:
        file = self.confine(file_name, path)
        text = None if file is None else self.read_file(file, file_name, path)
        if file is None or text is None:
            return _INVALID
        try:
            if file.suffix == ".json":
                data = json.loads(text)
            elif want == ListT(STR):
                data = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
            else:
                self.err(path, "GL0035", f"constant '{name}' of type {want} must come from a .json file",
                         "a text file (one item a line) gives a list[str]")
                return _INVALID
            return TypeAdapter(to_annotation(want)).validate_python(data)
        except json.JSONDecodeError as err:
            self.err(path, "GL0035", f"'{file_name}' is not valid JSON: {err.msg} at line {err.lineno}")
        except RecursionError:
            self.err(path, "GL0040", f"'{file_name}' is nested too deeply")
        except ValidationError as err:
            first = err.errors(include_url=False)[0]
            where = ".".join(map(str, first["loc"])) or "the value"
            self.err(path, "GL0035", f"'{file_name}' does not fit {want}: {where}: {first['msg']}")
        except ValueError as err:  # (after ValidationError, which is one) a number of more than 4,300 digits
            self.err(path, "GL0035", f"'{file_name}' is not valid JSON: {err}")
        return _INVALID

    def confine(self, file_name: str, path: DataPath) -> Path | None:
        """The resolved path of a file the game names, or None (reported) if it is outside the folder."""
        try:
            imported = self.loaded.imports.get(self.file_of(path))
            # a file an imported declaration reads stays in the imported file's folder
            return confined_path(self.base_dir, file_name, imported.folder if imported else None)
        except OutsideFolder as err:
            self.err(path, "GL0038", str(err), "put the file in the game's folder (or a folder below it)")
            return None

    def read_file(self, file: Path, shown: str, path: DataPath) -> str | None:
        """Read a file the game refers to; report it if missing, too large or not text."""
        try:
            if not file.is_file():
                self.err(path, "GL0023", f"file '{shown}' does not exist", f"it is looked for in {file.parent}")
                return None
            if file.stat().st_size > MAX_SOURCE_BYTES * 10:
                self.err(path, "GL0005", f"file '{shown}' is too large")
                return None
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            self.err(path, "GL0004", f"file '{shown}' cannot be read: {err}")
            return None
        self.a.files[str(self.base_dir / shown)] = text  # keyed by the name the game uses: a stable hash
        return text

    # ------------------------------------------------------------------ scopes
    def base_scope(self) -> dict[str, Symbol]:
        scope = {n: Symbol(n, f.type, "field") for n, f in self.spec.instance.items()}
        scope.update({n: Symbol(n, c.type, "const") for n, c in self.spec.consts.items()})
        if self.spec.tools:  # the declared tools, for a prompt that describes them in the text form
            scope["tools"] = Symbol("tools", TOOLS_TYPE, "builtin")
        return scope

    def check_tools(self) -> None:
        for name in self.spec.tools:
            if name in TOOL_RECORD_FIELDS:
                self.err(("tools", name), "GL0033", f"the tool name '{name}' is a field of every tool call "
                                                    f"({', '.join(TOOL_RECORD_FIELDS)})",
                         f"choose another name, such as '{name}_'", key=True)
        if self.spec.tools:
            self.a.const_values["tools"] = tool_schemas(self.spec.tools)

    def full_scope(self) -> dict[str, Symbol]:
        scope = self.base_scope()
        scope.update({n: Symbol(n, v.type, "var") for n, v in self.spec.vars.items()})
        scope.update({n: Symbol(n, self.a.moves[n].type if n in self.a.moves else AnyT(), "move")
                      for n in self.spec.moves})
        scope.update({n: Symbol(n, t, "builtin") for n, t in RUNTIME_BUILTINS.items()})
        return scope

    def check_vars(self, base: dict[str, Symbol]) -> None:
        for name, var in self.spec.vars.items():
            path = ("vars", name, "init")
            got = self.typecheck(var.init, path, base)
            if not got.fits(var.type):
                self.err(path, "GL0019", f"variable '{name}' is {var.type}, but its initial value is {got}")

    # ------------------------------------------------------------------ moves and roles
    def check_moves(self) -> None:
        for name, move in self.spec.moves.items():
            path = ("moves", name)
            if move.by not in self.spec.roles:
                self.undefined(path + ("by",), "GL0009", "role", move.by, self.spec.roles)
            if move.kind == "regex":
                try:
                    groups = compile_regex(move.regex or "", move.flags).groupindex
                except MoveError as err:
                    self.err(path + ("regex",), "GL0021", str(err))
                    continue
                bad = False
                for group, t in move.types.items():
                    if group not in groups:
                        self.err(path + ("types", group), "GL0021",
                                 f"group '{group}' is typed, but the regex has no group of that name",
                                 did_you_mean(group, groups), key=True)
                        bad = True
                    elif not isinstance(t, Prim):
                        self.err(path + ("types", group), "GL0024", f"a regex group is str, int, float or bool, not {t}")
                        bad = True
                if bad:
                    continue
            if move.kind == "tool":
                missing = [t for t in move.tool or [] if t not in self.spec.tools]
                for t in missing:
                    self.undefined(path + ("tool",), "GL0041", "tool", t, self.spec.tools)
                if not self.spec.tools and not move.tool:
                    self.err(path + ("tool",), "GL0041", f"move '{name}' parses tool calls, but the game declares no "
                                                          "tool", 'declare one: tool search(query: str) "Search"')
                if missing or not self.spec.tools:
                    continue
                self.used.update(("tool", t) for t in move.tool or self.spec.tools)
            self.a.moves[name] = MoveParser(name, move, self.spec.tools)

    def check_roles(self) -> None:
        for name, role in self.spec.roles.items():
            extras: dict[str, Type] = {}
            if role.persona is not None:
                field_decl = self.spec.instance.get(role.persona)
                if field_decl is None:
                    self.err(("roles", name, "persona"), "GL0036",
                             f"persona '{role.persona}' is not an instance field",
                             did_you_mean(role.persona, self.spec.instance))
                else:
                    self.used.add(("name", role.persona))
                    extras["persona"] = field_decl.type
            start_scope = {**self.base_scope(), **{n: Symbol(n, v.type, "var") for n, v in self.spec.vars.items()},
                           **{n: Symbol(n, t, "builtin") for n, t in RUNTIME_BUILTINS.items()}}
            for key in ("system", "intro"):
                tmpl = getattr(role, key)
                if tmpl is not None:
                    self.template(tmpl, ("roles", name, key), start_scope, extras)

    # ------------------------------------------------------------------ templates
    def template(self, tmpl: Template, path: DataPath, scope: dict[str, Symbol],
                 extras: dict[str, Type] | None = None) -> CompiledTemplate | None:
        """Compile a template and check the names it reads against ``scope`` and ``extras``."""
        extras = extras or {}
        if isinstance(tmpl, TemplateRef):
            if tmpl.template not in self.spec.templates:
                self.undefined(path + ("template",), "GL0014", "template", tmpl.template, self.spec.templates)
                return None
            self.used.add(("template", tmpl.template))
            return self.template(self.spec.templates[tmpl.template], ("templates", tmpl.template), scope, extras)
        if isinstance(tmpl, TemplateFile):
            return self.file_template(tmpl.file, path + ("file",), scope, extras)
        return self.text_template(tmpl, path, self.smap.text(path), self.file_of(path), scope, extras)

    def text_template(self, text: str, path: DataPath, where: TextPos, display: str, scope: dict[str, Symbol],
                      extras: dict[str, Type]) -> CompiledTemplate | None:
        compiled = self.a.templates.get(text)
        if compiled is None:
            try:
                compiled = compile_template(text)
            except TemplateProblem as err:
                col = _first_text_column(text, err.lineno)
                self.diags.add(display, where.map(err.lineno, col), "GL0022", f"template error: {err.message}")
                return None
            self.a.templates[text] = compiled
        self.check_template_names(compiled, where, display, scope, extras)
        return compiled

    def file_template(self, file_name: str, path: DataPath, scope: dict[str, Symbol],
                      extras: dict[str, Type]) -> CompiledTemplate | None:
        if file_name in self.a.file_templates:
            compiled = self.a.file_templates[file_name]
        else:
            file = self.confine(file_name, path)
            text = None if file is None else self.read_file(file, file_name, path)
            if text is None:
                return None
            display = os.path.normpath(Path(self.path).parent / file_name)
            try:
                compiled = compile_template(text.rstrip())
            except TemplateProblem as err:
                self.diags.add(display, SourcePos(err.lineno, 1), "GL0022", f"template error: {err.message}")
                return None
            self.a.file_templates[file_name] = compiled
        display = os.path.normpath(Path(self.path).parent / file_name)
        self.check_template_names(compiled, TextPos(SourcePos(1, 1)), display, scope, extras)
        return compiled

    def check_template_names(self, compiled: CompiledTemplate, where: TextPos, display: str,
                             scope: dict[str, Symbol], extras: dict[str, Type]) -> None:
        known = set(scope) | set(extras) | set(self.functions)
        lines = compiled.source.split("\n")
        for name in sorted(compiled.variables):
            self.used.add(("name", name))
            if name in known:
                continue
            lineno, col = _find_name(lines, name)
            pos = where.map(lineno, col, lineno, col + len(name) - 1)
            if name in SCOPED_BUILTINS or name in PLAYER_BUILTINS:
                self.diags.add(display, pos, "GL0034", f"'{name}' has no value in this template")
            elif library_of(name) is not None:
                lib = library_of(name)
                self.diags.add(display, pos, "GL0013", f"unknown function '{name}'",
                               f"'{name}' is in the function library '{lib}': add `use {lib}` to the game")
            elif not self.partial:
                self.diags.add(display, pos, "GL0016", f"template uses undefined variable '{name}'",
                               did_you_mean(name, known) or "templates may use instance fields, constants, "
                               "variables, moves and the built-in counters")
        for name in sorted(compiled.function_names & (set(scope) | set(extras))):  # the game's name hides it
            self.used.add(("name", name))
            if name in compiled.called:
                lineno, col = _find_name(lines, name + "(")
                kind = _KIND_NAMES.get(scope[name].kind, "name") if name in scope else "name"
                self.diags.add(display, where.map(lineno, col, lineno, col + len(name) - 1), "GL0018",
                               f"'{name}' is the game's {kind} here: in templates it hides the function {name}()",
                               f"call {name}() in an expression (`set` a variable), or rename the declaration")
        types = {n: s.type for n, s in scope.items()} | extras
        for name, attr, lineno in compiled.fields:
            record = types.get(name)
            if isinstance(record, RecordT) and record.field(attr) is None:
                fields = [n for n, _ in record.fields]
                _, col = _find_name(lines, f"{name}.{attr}", lineno)
                self.diags.add(display, where.map(lineno, col), "GL0015",
                               f"'{name}' has no field '{attr}' (fields: {', '.join(fields) or 'none'})",
                               did_you_mean(attr, fields))

    def check_named_templates(self, scope: dict[str, Symbol]) -> None:
        for name, tmpl in self.spec.templates.items():
            if ("template", name) not in self.used:
                self.template(tmpl, ("templates", name), scope)

    # ------------------------------------------------------------------ states
    def check_states(self, scope: dict[str, Symbol]) -> None:
        for name, body in self.spec.states.items():
            # the state graph: the transitions to states of the one flow analysis (lang/flow.py);
            # re-prompts are bounded by their count and make no cycle
            self.a.edges[name] = [e.target for e in state_edges(name, body)
                                  if not e.to_outcome and not e.reprompt and e.target in self.spec.states]
            self.a.asks_in[name] = False
            flow = self.block(name, body, ("states", name), scope, _Flow())
            if not flow.done:
                self.err(("states", name), "GL0026",
                         f"state '{name}' can reach its end without `goto` or `end`",
                         "finish every path of the state with `goto STATE` or `end win|lose|abort`", key=True)

    def block(self, state: str, body: list[Statement], path: DataPath, scope: dict[str, Symbol], flow: _Flow) -> _Flow:
        warned = False
        for i, stmt in enumerate(body):
            spath = path + (i,)
            if flow.done and not warned:
                self.err(spath, "GL0028", "this statement is never run: the statements before it always "
                                          "leave the state")
                warned = True
            flow = self.statement(state, stmt, spath, scope, flow)
        return flow

    def statement(self, state: str, stmt: Statement, path: DataPath, scope: dict[str, Symbol], flow: _Flow) -> _Flow:
        roles = self.spec.roles
        if isinstance(stmt, Ask):
            self.a.asks_in[state] = True
            if stmt.ask not in roles:
                self.undefined(path + ("ask",), "GL0009", "role", stmt.ask, roles)
            else:
                self.used.add(("ask", stmt.ask))
            if stmt.message is not None:
                self.template(stmt.message, path + ("message",), scope)
            return _Flow(stmt.ask, True, flow.done)
        if isinstance(stmt, Parse):
            move = self.spec.moves.get(stmt.parse)
            if move is None:
                self.undefined(path + ("parse",), "GL0011", "move", stmt.parse, self.spec.moves)
            else:
                self.used.add(("move", stmt.parse))
                if not flow.asked:
                    self.err(path, "GL0029", f"`parse {stmt.parse}` has no `ask` before it in state '{state}'",
                             f"add `ask {move.by}` before it")
                elif (flow.last_ask not in (None, "?") and flow.last_ask != move.by
                      and flow.last_ask in self.spec.roles and move.by in self.spec.roles):
                    self.err(path, "GL0030", f"move '{stmt.parse}' is made by '{move.by}', but the role asked "
                                             f"last is '{flow.last_ask}'")
            self.failure(stmt.otherwise, path + ("else",), scope, flow)
            return flow
        if isinstance(stmt, Check):
            self.typecheck_expect(stmt.check, path + ("check",), scope, BOOL, "a check")
            self.failure(stmt.otherwise, path + ("else",), scope, flow)
            return flow
        if isinstance(stmt, SetVar):
            sym = scope.get(stmt.var)
            value_type = self.typecheck(stmt.to, path + ("to",), scope)
            if sym is None:
                self.undefined(path + ("set",), "GL0012", "variable", stmt.var, self.spec.vars)
            elif sym.kind != "var":
                self.err(path + ("set",), "GL0020", f"'{stmt.var}' is {_kind_name(sym.kind)} and cannot be set",
                         "declare a variable with: var NAME: TYPE = VALUE")
            else:
                self.used.add(("set", stmt.var))
                if not value_type.fits(sym.type):
                    self.err(path + ("to",), "GL0019", f"'{stmt.var}' is {sym.type}, but this value is {value_type}")
            return flow
        if isinstance(stmt, Tell):
            if stmt.tell not in roles:
                self.undefined(path + ("tell",), "GL0009", "role", stmt.tell, roles)
            else:
                self.used.add(("tell", stmt.tell))
            self.template(stmt.message, path + ("message",), scope)
            return flow
        if isinstance(stmt, Result):
            move = self.spec.moves.get(stmt.result)
            if move is None:
                self.undefined(path + ("result",), "GL0011", "move", stmt.result, self.spec.moves)
            elif move.kind != "tool" or move.each is not None:
                what = "a list move" if move.each else f"a {move.kind} move"
                self.err(path + ("result",), "GL0041", f"`result` answers one tool call, but move '{stmt.result}' "
                                                       f"is {what}",
                         "declare a move that parses a call: move call by ROLE = tool")
            else:
                self.used.add(("tell", move.by))
            self.template(stmt.message, path + ("message",), scope)
            return flow
        if isinstance(stmt, Reward):
            got = self.typecheck(stmt.reward, path + ("reward",), scope)
            if not got.fits(FLOAT):
                self.err(path + ("reward",), "GL0017", f"a reward must be a number, but this is {got}")
            if stmt.to is not None and stmt.to not in roles:
                self.undefined(path + ("to",), "GL0009", "role", stmt.to, roles)
            if stmt.once is not None:
                key = self.typecheck(stmt.once, path + ("once",), scope)
                if not (key.fits(STR) or key.fits(INT)):
                    self.err(path + ("once",), "GL0017", f"the key of `once` must be str or int, but this is {key}",
                             "a text that names what is paid for, such as a tool's name or \"goal:\" + name")
            return flow
        if isinstance(stmt, ForEach):
            items = self.typecheck(stmt.items, path + ("in",), scope)
            item: Type = AnyT()
            if isinstance(items, ListT):
                item = AnyT() if isinstance(items.item, NothingT) else items.item
            elif not isinstance(items, AnyT):
                self.err(path + ("in",), "GL0017", f"`for` goes over a list, not {items}",
                         "over a map, go over keys(m) or values(m)" if isinstance(items, MapT) else None)
            if stmt.var in scope:
                self.err(path + ("for",), "GL0008", f"the loop name '{stmt.var}' hides the "
                                                    f"{_kind_name(scope[stmt.var].kind).split(' ', 1)[-1]} '{stmt.var}'",
                         f"choose another name, such as '{stmt.var}_'")
            inner = {**scope, stmt.var: Symbol(stmt.var, item, "local")}
            body = self.block(state, stmt.body, path + ("do",), inner, _Flow(flow.last_ask, flow.asked, False))
            if body.done:  # the body may run no time: what follows still runs
                return flow
            return _Flow(flow.last_ask if body.last_ask == flow.last_ask else "?", flow.asked, flow.done)
        if isinstance(stmt, Goto):
            if stmt.goto not in self.spec.states:
                self.undefined(path + ("goto",), "GL0010", "state", stmt.goto, self.spec.states)
            return _Flow(flow.last_ask, flow.asked, True)
        if isinstance(stmt, End):
            self.reason(stmt.reason, path + ("reason",), scope)
            return _Flow(flow.last_ask, flow.asked, True)
        assert isinstance(stmt, If)
        self.typecheck_expect(stmt.cond, path + ("if",), scope, BOOL, "an `if` condition")
        then = self.block(state, stmt.then, path + ("then",), scope, _Flow(flow.last_ask, flow.asked, False))
        other = self.block(state, stmt.otherwise, path + ("else",), scope, _Flow(flow.last_ask, flow.asked, False))
        # what holds after the if: only what holds on both branches that continue
        live = [f for f in (then, other) if not f.done]
        if not live:
            return _Flow(flow.last_ask, flow.asked, True)
        asks = {f.last_ask for f in live}
        return _Flow(asks.pop() if len(asks) == 1 else "?", all(f.asked for f in live), flow.done)

    def typecheck_expect(self, e: ex.Expr, path: DataPath, scope: dict[str, Symbol], want: Type, what: str) -> None:
        checker = TypeChecker(scope, self.reporter(path), lambda n: self.used.add(("name", n)), self.functions)
        checker.expect(e, want, what)

    def failure(self, failure: Any, path: DataPath, scope: dict[str, Symbol], flow: _Flow) -> None:
        if failure is None:
            return
        if isinstance(failure, GotoFailure):
            if failure.goto not in self.spec.states:
                self.undefined(path + ("goto",), "GL0010", "state", failure.goto, self.spec.states)
            return
        if isinstance(failure, Reprompt):
            if not flow.asked:
                self.err(path, "GL0029", "`reprompt` needs an `ask` before it in the same state")
            self.template(failure.message, path + ("message",), scope)
            if failure.then is not None:
                then_key = "lose" if isinstance(failure.then, LoseFailure) else "abort"
                self.reason(getattr(failure.then, then_key), path + ("then", then_key), scope)
            return
        key = "lose" if isinstance(failure, LoseFailure) else "abort"
        self.reason(getattr(failure, key), path + (key,), scope)

    def reason(self, text: str | None, path: DataPath, scope: dict[str, Symbol]) -> None:
        if text is not None:
            self.text_template(text, path, self.smap.text(path), self.file_of(path), scope, {})

    # ------------------------------------------------------------------ score and players
    def check_score(self, scope: dict[str, Symbol]) -> None:
        score = self.spec.score
        score_scope = {**scope, **{n: Symbol(n, t, "score") for n, t in SCORE_BUILTINS.items()}}
        if score.main is not None:
            got = self.typecheck(score.main, ("score", "main"), score_scope)
            if not got.fits(FLOAT):
                self.err(("score", "main"), "GL0017", f"the main score must be a number, but this is {got}")
            score_scope["main"] = Symbol("main", FLOAT, "score")
        if score.reward is not None:
            got = self.typecheck(score.reward, ("score", "reward"), score_scope)
            if not got.fits(FLOAT):
                self.err(("score", "reward"), "GL0017", f"the reward must be a number, but this is {got}")
        for name, metric in score.metrics.items():
            got = self.typecheck(metric, ("score", "metrics", name), score_scope)
            if not (got.fits(FLOAT) or got in (BOOL, STR)):
                self.err(("score", "metrics", name), "GL0017", f"metric '{name}' must be a number, bool or str, "
                                                               f"but this is {got}")

    def check_players(self, scope: dict[str, Symbol]) -> None:
        for name, player in self.spec.players.items():
            if player.role not in self.spec.roles:
                self.undefined(("players", name, "for"), "GL0009", "role", player.role, self.spec.roles)
            extras = dict(PLAYER_BUILTINS)
            role = self.spec.roles.get(player.role)
            if role is not None and role.persona is not None and role.persona in self.spec.instance:
                extras["persona"] = self.spec.instance[role.persona].type
            self.template(player.reply, ("players", name, "reply"), scope, extras)

    # ------------------------------------------------------------------ the state graph
class _Invalid:
    pass


_INVALID = _Invalid()


def _kind_name(kind: str) -> str:
    return {"field": "an instance field", "const": "a constant", "move": "a move", "builtin": "a built-in counter",
            "score": "a score value", "var": "a variable", "local": "a loop name"}.get(kind, kind)


def _find_name(lines: list[str], name: str, lineno: int | None = None) -> tuple[int, int]:
    """The first (line, column) where ``name`` occurs as a word in template lines."""
    pattern = re.compile(r"(?<![\w.])" + re.escape(name) + r"(?!\w)")
    candidates = [lineno] if lineno else range(1, len(lines) + 1)
    for ln in candidates:
        if 1 <= ln <= len(lines):
            m = pattern.search(lines[ln - 1])
            if m:
                return ln, m.start() + 1
    return (lineno or 1), 1


def _first_text_column(text: str, lineno: int) -> int:
    lines = text.split("\n")
    if 1 <= lineno <= len(lines):
        line = lines[lineno - 1]
        return len(line) - len(line.lstrip()) + 1
    return 1


def check(loaded: LoadedSpec) -> Analysis | None:
    """Check a loaded spec (adding diagnostics to it); None if there is no spec to check."""
    if loaded.spec is None:
        return None
    return Checker(loaded).run()

