"""The resolve-and-types pass of the checker: every declaration's names and types.

It checks the names a game declares (reserved words, clashes), its instance fields and
experiments, constants (and the files they read), variables, moves and tools, roles, every
template (the names it reads), the score block and the scripted players; it builds the scopes the
statements are checked in. The statements themselves are checked by gamelang/lang/statecheck.py,
the state graph by stategraph.py, unused declarations by lint.py; gamelang/lang/checks.py runs
them in order.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from . import expr as ex
from .builtins import BUILTINS, builtin_types
from .diagnostics import SourcePos, did_you_mean
from .evaluate import compile_expr
from .expr import EXPRESSION_KEYWORDS
from .functions import LIBRARIES, EvalError, library_of
from .moves import (
    TOOL_RECORD_FIELDS,
    TOOLS_TYPE,
    MoveError,
    MoveParser,
    compile_regex,
    tool_schemas,
)
from .source import MAX_SOURCE_BYTES, DataPath, OutsideFolder, TextPos, confined_path
from .spec import Template, TemplateFile, TemplateRef
from .templates import CompiledTemplate, TemplateProblem, compile_template
from .typecheck import _KIND_NAMES, SCOPED_BUILTINS, Symbol
from .types import BOOL, FLOAT, STR, AnyT, ListT, Prim, RecordT, Type, to_annotation

#: Names every expression and template may read: counters and sums the interpreter keeps.
RUNTIME_BUILTINS: dict[str, Type] = builtin_types("episode")
#: Names only a scripted player's reply template may read.
PLAYER_BUILTINS: dict[str, Type] = builtin_types("player")
SCORE_BUILTINS: dict[str, Type] = builtin_types("score")
RESERVED = set(RUNTIME_BUILTINS) | set(PLAYER_BUILTINS) | set(SCORE_BUILTINS) | {"main", "role", "tools"}
#: What each reserved name is, for GL0033.
RESERVED_DOCS = {**{b.name: b.doc for b in BUILTINS}, "main": "the main score of the score block",
                 "role": "reserved by the interpreter", "tools": "the declared tools, in templates"}


class Resolver:
    """The declaration checks of :class:`~gamelang.lang.checks.Checker` (a mixin: the checker
    provides the reporting helpers and the shared state)."""

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
        self.check_start()

    def check_start(self) -> None:
        """The start state: the one the header names, else the game's own first state. An imported
        state begins an episode only where the header names it, never by being first."""
        start = self.spec.game.start
        if start is not None:
            if start not in self.spec.states:
                self.undefined(("game", "start"), "GL0010", "state", start, self.spec.states)
            return
        imported = [n for n in self.spec.states if self.file_of(("states", n)) != self.path]
        if imported and len(imported) == len(self.spec.states) and not self.partial:
            self.err(("game",), "GL0031", "the game declares no state of its own, and an imported state "
                                          f"('{imported[0]}') begins an episode only where the header names it",
                     f"declare the game's first state, or name the start in the header: start {imported[0]}",
                     key=True)

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


class _Invalid:
    pass


_INVALID = _Invalid()


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

