"""Loading a game file: read, parse with the right front end, validate into a :class:`GameSpec`.

Validation errors are turned into positioned diagnostics. A declaration that does not validate
is dropped and the rest validated again, so that one pass reports the problems of every
declaration; such a spec is marked ``partial`` and checks that need the whole game are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..parsedcache import parse_game_text  # the parser's result, from the cache when it holds it
from ..parsedcache import store_validated_spec, validated_spec
from .diagnostics import Diagnostics, LangSyntaxError, SourcePos, did_you_mean
from .imports import ImportedFile, resolve_imports
from .source import Located, SourceFile, SourceMap, decode_source, flatten, read_source
from .spec import NAMED_SECTIONS, GameSpec

MAX_VALIDATION_ROUNDS = 40


@dataclass
class LoadedSpec:
    """The result of loading one game file: a spec (or None), its source map and diagnostics."""

    path: Path
    display: str
    source: SourceFile | None
    spec: GameSpec | None
    smap: SourceMap
    diags: Diagnostics
    partial: bool = False  # some declarations were dropped because they were invalid
    #: the files the game imported declarations from, by display path (see imports.py)
    imports: dict[str, ImportedFile] = field(default_factory=dict)

    @property
    def base_dir(self) -> Path:
        """The folder that relative file names in the game are resolved against."""
        return self.path.parent


def is_yaml(path: Path) -> bool:
    """Whether a file is in the YAML form (by its extension)."""
    return path.suffix in (".yaml", ".yml")


def load_spec(path: Path, display: str | None = None) -> LoadedSpec:
    """Load a game file. Raises OSError only if the file cannot be opened at all."""
    display = display or str(path)
    diags = Diagnostics()
    source = read_source(path, display, diags)
    return _load(path, display, source, diags)


def load_spec_text(text: str | bytes, display: str = "<text>.game", path: Path | None = None) -> LoadedSpec:
    """Load a game from text (used by tests and tools); the suffix of ``display`` picks the front end.

    The text is parsed, never looked up in the cache of parsed texts: such texts (an editor's
    unsaved buffer at every keystroke, a test's) are seldom seen twice."""
    diags = Diagnostics()
    raw = text.encode("utf-8") if isinstance(text, str) else text
    source = decode_source(raw, display, diags)
    return _load(path or Path(display), display, source, diags, cached=False)


def _load(path: Path, display: str, source: SourceFile | None, diags: Diagnostics,
          cached: bool = True) -> LoadedSpec:
    smap = SourceMap()
    if source is None:
        return LoadedSpec(path, display, None, None, smap, diags)
    if not source.text.strip():
        diags.add(display, SourcePos(1, 1), "GL0031", "the file is empty: a game needs a header and states",
                  "start with: game NAME { version 1 }")
        return LoadedSpec(path, display, source, None, smap, diags)
    before = len(diags.items)
    try:
        if is_yaml(Path(display)):
            from .yaml_loader import parse_game_yaml  # ruamel is only needed for YAML games

            located = parse_game_yaml(source.text, display, diags)
        elif cached:
            stored = _stored_spec(source.text, display)
            if stored is not None:  # as validated before
                return LoadedSpec(path, display, source, stored[0], stored[1], diags)
            located = parse_game_text(source.text, display, diags)
        else:
            from .parser import parse_game_text as parse

            located = parse(source.text, display, diags)
        syntax_errors = len(diags.items) > before
        if located is None:
            return LoadedSpec(path, display, source, None, smap, diags, partial=True)
        imports, broken = resolve_imports(located, path, display, diags)
        reusable = cached and not is_yaml(Path(display)) and not broken and len(diags.items) == before
        imported = _imported_key(imports)
        if reusable and imports:  # validated before with the same imported texts (a game without is looked up above)
            stored = _stored_spec(source.text, display, imported)
            if stored is not None:
                return LoadedSpec(path, display, source, stored[0], stored[1], diags, imports=imports)
        spec, smap, pruned = validate_located(located, display, diags)
        pruned = pruned or broken
        if reusable and spec is not None and not pruned and len(diags.items) == before:
            # clean, and made from these texts alone: later processes may take it as it is
            store_validated_spec(source.text, display, spec, smap, imported)
    except RecursionError:
        # the parser refuses deep nesting itself (GL0040 at its place); this is the net under
        # what it cannot see, such as YAML mappings nested hundreds deep
        report_too_deep(source.text, display, diags)
        return LoadedSpec(path, display, source, None, SourceMap(), diags, partial=True)
    return LoadedSpec(path, display, source, spec, smap, diags, partial=syntax_errors or pruned, imports=imports)


def _stored_spec(text: str, display: str, imported: tuple[str, ...] = ()) -> tuple[GameSpec, SourceMap] | None:
    """The spec and source map stored for ``text`` (and its imports), when the entry holds them."""
    stored = validated_spec(text, display, imported)
    if stored is not None and isinstance(stored[0], GameSpec) and isinstance(stored[1], SourceMap):
        return stored[0], stored[1]
    return None


def _imported_key(imports: dict[str, ImportedFile]) -> tuple[str, ...]:
    """What the imported files add to a validated spec's cache key: each one's name, folder and
    text, in the order they were read (the order their declarations were merged in)."""
    return tuple(part for name, imported in imports.items()
                 for part in (name, str(imported.folder), imported.source.text))


def deepest_line(text: str) -> SourcePos:
    """Where a text nests most deeply: the first line of greatest bracket depth, or else of greatest
    indentation (one linear pass; a position for a "nested too deeply" diagnostic)."""
    depth, best, best_pos = 0, -1, SourcePos(1, 1)
    for number, line in enumerate(text.split("\n"), 1):
        indent = len(line) - len(line.lstrip())
        for column, ch in enumerate(line, 1):
            if ch in "([{":
                depth += 1
                if depth * 1000 > best:
                    best, best_pos = depth * 1000, SourcePos(number, column)
            elif ch in ")]}":
                depth = max(0, depth - 1)
        if line.strip() and depth * 1000 + indent > best:
            best, best_pos = depth * 1000 + indent, SourcePos(number, indent + 1)
    return best_pos


def report_too_deep(text: str, display: str, diags: Diagnostics) -> None:
    """Record GL0040 for a game whose nesting exhausted the compiler's recursion."""
    diags.add(display, deepest_line(text), "GL0040", "nested too deeply for the compiler",
              "split deeply nested expressions, blocks or data into smaller parts")


def validate_located(located: dict, display: str, diags: Diagnostics) -> tuple[GameSpec | None, SourceMap, bool]:
    """Validate located data into a spec, dropping invalid declarations until the rest is valid."""
    pruned = False
    smap = SourceMap()
    for _ in range(MAX_VALIDATION_ROUNDS):
        smap = SourceMap()
        data = flatten(located, smap)
        try:
            return GameSpec.model_validate(data), smap, pruned
        except ValidationError as err:
            errors = err.errors(include_url=False)
            for e in errors:
                _report(e, smap, display, diags)
            if not _prune_all(located, [tuple(e["loc"]) for e in errors]):
                return None, smap, True
            pruned = True
    return None, smap, True


def _report(err: dict, smap: SourceMap, display: str, diags: Diagnostics) -> None:
    loc = tuple(err["loc"])
    path = smap.resolve(loc)
    display = smap.file_of(path, display)  # an imported declaration: its own file
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, LangSyntaxError):
        pos = smap.text(path).map(cause.line, cause.column, cause.line, cause.end_column or cause.column)
        diags.add(display, pos, cause.code, cause.message, cause.hint)
        return
    kind = err["type"]
    where = describe_path(path)
    last = loc[-1] if loc else ""
    if kind == "missing":
        if loc == ("game",):
            diags.add(display, SourcePos(1, 1), "GL0031", "the game has no header",
                      "start the file with: game NAME { version 1 }")
            return
        diags.add(display, smap.at(path), "GL0007", f"`{last}` is required {where}".strip())
    elif kind == "extra_forbidden":
        parent = smap.resolve(loc[:-1])
        pos = smap.keys.get(parent + (last,)) or smap.at(parent)
        where = describe_path(parent) or "at the top level"
        diags.add(display, pos, "GL0007", f"unknown key `{last}` {where}", did_you_mean(str(last), [k for k in _known_keys() if k != last]))
    elif kind in ("greater_than_equal", "less_than_equal"):
        bound = (err.get("ctx") or {}).get("ge", (err.get("ctx") or {}).get("le"))
        relation = "at least" if kind == "greater_than_equal" else "at most"
        diags.add(display, smap.at(path), "GL0007", f"`{last}` must be {relation} {bound} {where}".strip())
    elif kind == "string_pattern_mismatch":
        diags.add(display, smap.at(path), "GL0007",
                  f"'{err.get('input')}' is not a name: use letters, digits and _, not starting with a digit")
    else:
        message = err["msg"].removeprefix("Value error, ")
        diags.add(display, smap.at(path), "GL0007", f"{message} {where}".strip())


def describe_path(path: tuple) -> str:
    """'in state 'guess'' style context for a data path."""
    if len(path) >= 2 and path[0] in NAMED_SECTIONS:
        what = {"instance": "instance field", "experiments": "experiment", "roles": "role", "templates": "template",
                "consts": "constant", "vars": "variable", "moves": "move", "tools": "tool", "states": "state",
                "players": "player"}[path[0]]
        return f"in {what} '{path[1]}'"
    if path:
        return f"in `{path[0]}`"
    return ""


def _known_keys() -> list[str]:
    from .spec import (
        STATEMENT_MODELS,
        Const,
        FieldDecl,
        Header,
        Import,
        InstancesDecl,
        Limits,
        Move,
        Player,
        Reprompt,
        Role,
        Score,
        Tool,
        ToolArg,
        Var,
    )
    keys = set(GameSpec.model_fields)
    for model in (Import, Const, FieldDecl, Header, InstancesDecl, Limits, Move, Player, Reprompt, Role, Score, Tool,
                  ToolArg, Var, *STATEMENT_MODELS.values()):
        for name, f in model.model_fields.items():
            keys.add(f.alias or name)
    return sorted(keys)


def _items(node: Any) -> Any:
    return node.value if isinstance(node, Located) else node


def _prune_all(located: dict, locs: list[tuple]) -> bool:
    """Drop every declaration or statement that holds an error; False if one cannot be dropped."""
    targets = [_prune_target(located, loc) for loc in locs]
    if any(t is None for t in targets):
        return False
    seen: set[tuple[int, Any]] = set()
    # delete list items from the back so that earlier indices stay valid
    for container, key in sorted(targets, key=lambda t: (id(t[0]), t[1] if isinstance(t[1], int) else -1),
                                 reverse=True):
        marker = (id(container), key if isinstance(key, int) else id(key))
        if marker in seen:
            continue
        seen.add(marker)
        del container[key]
    return True


def _prune_target(located: dict, loc: tuple) -> tuple[Any, Any] | None:
    """The innermost declaration or statement (container, key) that contains ``loc``."""
    node: Any = located
    best: tuple[Any, Any] | None = None
    depth_path: list = []
    for part in loc:
        container = _items(node)
        if isinstance(container, dict):
            key = next((k for k in container if (k.value if isinstance(k, Located) else k) == part), None)
            if key is None:
                continue  # a part pydantic adds (a union tag) that is not in the data
            top = len(depth_path) == 0
            named = len(depth_path) == 1 and depth_path[0] in NAMED_SECTIONS
            if (top and part != "game") or named:
                best = (container, key)
            depth_path.append(part)
            node = container[key]
        elif isinstance(container, list) and isinstance(part, int) and 0 <= part < len(container):
            best = (container, part)
            depth_path.append(part)
            node = container[part]
    return best
