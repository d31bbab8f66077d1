"""Sharing declarations between games: `import "file"` and `import a, b from "file"`.

Imports are resolved on the located data of a file, before validation: the roles, templates,
constants, variables, moves, tools and players of the imported file (a library, NAME.gamelib,
or another game) are merged into the importing file's data, each marked with the file it was
written in, so that diagnostics point into that file. A library may also hold states, which are
imported the same way; the states of a game are that game and stay with it, as do a file's
header, instance schema, instances, experiments, score and limits. The function libraries an
imported file opens (`use`) are opened for the importer too.

Imported states come after the game's own, so that the game's first state stays where its
episodes begin (an imported state begins one only where the header names it: `start NAME`).

Where imports may reach: a game's own folder and the folders beside it (the folder of game
folders), so that games/wordle_withclue can import from games/wordle; only game and library
files, with every symlink resolved. The files an imported declaration reads (templates,
constant files) are confined to the imported file's own folder, and their names are rewritten
relative to the importing game's folder, so that the rest of the compiler sees one game.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostics, SourcePos, did_you_mean
from .source import Located, OutsideFolder, SourceFile, confined_path, read_source

#: The sections an import takes; everything else stays with the file's own game.
IMPORTABLE = ("roles", "templates", "consts", "vars", "moves", "tools", "players", "states")
#: Sections that only a library shares: a game's states are that game, not declarations to share.
LIBRARY_ONLY = ("states",)
#: Names of those sections in messages.
WHAT = {"roles": "role", "templates": "template", "consts": "constant", "vars": "variable", "moves": "move",
        "tools": "tool", "players": "player", "states": "state"}
#: What an import takes, in messages.
TAKES = "roles, templates, constants, variables, moves, tools, players and (from a library) states"
#: Top-level keys a library may hold besides the importable sections.
LIBRARY_KEYS = ("imports", "use")
LIBRARY_SUFFIXES = (".gamelib", ".gamelib.yaml", ".gamelib.yml")
GAME_SUFFIXES = (".game", ".game.yaml", ".game.yml")
#: Files one game may import, directly or through other imports (each is parsed once).
MAX_IMPORTED_FILES = 32


@dataclass
class ImportedFile:
    """A file a game imported from: its text (for rendering diagnostics) and its folder."""

    source: SourceFile
    folder: Path  # resolved: the folder its own file references are confined to


@dataclass
class _Context:
    root_dir: Path  # the importing game's folder, resolved
    reach: Path  # the folder imports may reach: the one that holds the game's folder
    diags: Diagnostics
    root_display: str
    files: dict[str, ImportedFile] = field(default_factory=dict)  # by display path
    loaded: dict[Path, tuple[str, dict | None]] = field(default_factory=dict)  # resolved path -> display, data
    broken: bool = False  # an imported file had errors of its own


def _key(k: Any) -> Any:
    return k.value if isinstance(k, Located) else k


def _entry(data: dict, key: str) -> tuple[Any, Any] | None:
    """The (key, value) of a top-level entry of located data, whether the key is located or not."""
    for k, v in data.items():
        if _key(k) == key:
            return k, v
    return None


def _items(node: Any) -> Any:
    return node.value if isinstance(node, Located) else node


def resolve_imports(data: dict, path: Path, display: str, diags: Diagnostics) -> tuple[dict[str, ImportedFile], bool]:
    """Merge the declarations a game imports into its located ``data`` (in place).

    Returns the imported files by display path, and whether any of them had errors of its own
    (the game is then checked as partial: names may be missing because of them).
    """
    if _entry(data, "imports") is None:
        return {}, False
    try:
        root_dir = path.parent.resolve()
    except (OSError, RuntimeError):
        root_dir = path.parent
    ctx = _Context(root_dir, root_dir.parent, diags, display)
    try:
        origin = path.resolve()
    except (OSError, RuntimeError):
        origin = path
    _merge_imports(data, root_dir, display, [origin], ctx)
    return ctx.files, ctx.broken


def _merge_imports(data: dict, folder: Path, display: str, stack: list[Path], ctx: _Context) -> None:
    """Merge what the ``imports`` entry of ``data`` (a file in ``folder``) names into ``data``."""
    entry = _entry(data, "imports")
    if entry is None:
        return
    # imported declarations come before the file's own: a constant may read an imported one
    pending: dict[str, dict] = {section: {} for section in IMPORTABLE}
    for item in _items(entry[1]) or []:
        spec = _items(item)
        if isinstance(spec, str) or (isinstance(item, Located) and isinstance(item.value, str)):
            spec = {"file": item}
        if not isinstance(spec, dict):
            continue  # the spec models report the malformed entry
        file_node = next((v for k, v in spec.items() if _key(k) == "file"), None)
        names_node = next((v for k, v in spec.items() if _key(k) == "names"), None)
        name = _items(file_node)
        if not isinstance(name, str):
            continue
        pos = file_node.pos if isinstance(file_node, Located) else SourcePos(1, 1)
        lib = _load(name, folder, display, pos, stack, ctx)
        if lib is None:
            continue
        lib_display, lib_data = lib
        wanted = None
        if isinstance(_items(names_node), list):
            wanted = [n for n in _items(names_node) if isinstance(_items(n), str)]
        _take(data, pending, lib_data, lib_display, name, wanted, display, pos, ctx,
              library=name.endswith(LIBRARY_SUFFIXES))
    for section, taken in pending.items():
        if not taken:
            continue
        own = _section(data, section)
        if taken and isinstance(own, dict):  # (a malformed section is the spec models' to report)
            # imported declarations first (a constant may read an imported one), except states:
            # the file's own come first, so that an imported state never silently becomes the start
            merged = {**own, **taken} if section in LIBRARY_ONLY else {**taken, **own}
            own.clear()
            own.update(merged)


def _load(name: str, folder: Path, display: str, pos: SourcePos, stack: list[Path],
          ctx: _Context) -> tuple[str, dict] | None:
    """The located data of an imported file (its own imports merged), or None (reported)."""
    if not name.endswith(LIBRARY_SUFFIXES + GAME_SUFFIXES):
        ctx.diags.add(display, pos, "GL0043", f"'{name}' is not a game or library file",
                      "import a library (NAME.gamelib) or a game (NAME.game, NAME.game.yaml)")
        return None
    try:
        target = confined_path(folder, name, ctx.reach)
    except OutsideFolder as err:
        ctx.diags.add(display, pos, "GL0038", str(err).replace("the folder it may be read from",
                                                               "the folder of game folders"),
                      "a game imports from its own folder or from a game folder beside it")
        return None
    lib_display = os.path.normpath(os.path.join(os.path.dirname(display), name))
    if target in stack:
        chain = " -> ".join([_shown(p, ctx) for p in stack[stack.index(target):]] + [lib_display])
        ctx.diags.add(display, pos, "GL0042", f"import cycle: {chain}",
                      "move what both files need into a library that neither of them imports from")
        return None
    if target in ctx.loaded:
        shown, data = ctx.loaded[target]
        return (shown, data) if data is not None else None
    if not target.is_file():
        ctx.diags.add(display, pos, "GL0023", f"imported file '{name}' does not exist",
                      f"it is looked for in {folder}")
        return None
    if len(ctx.loaded) >= MAX_IMPORTED_FILES:
        ctx.diags.add(display, pos, "GL0043", f"a game may import at most {MAX_IMPORTED_FILES} files")
        return None
    ctx.loaded[target] = (lib_display, None)  # while it loads: a second route to it is a cycle, seen above
    data = _parse(target, lib_display, ctx)
    if data is None:
        ctx.broken = True
        return None
    _mark(data, lib_display, target.parent, ctx.root_dir)
    _merge_imports(data, target.parent, lib_display, stack + [target], ctx)
    if name.endswith(LIBRARY_SUFFIXES):
        _check_library(data, lib_display, ctx)
    ctx.loaded[target] = (lib_display, data)
    return lib_display, data


def _shown(path: Path, ctx: _Context) -> str:
    return ctx.loaded[path][0] if path in ctx.loaded else ctx.root_display


def _parse(target: Path, lib_display: str, ctx: _Context) -> dict | None:
    from ..parsedcache import parse_game_text  # the parser's result, from the cache when it holds it

    before = len(ctx.diags.items)
    try:
        source = read_source(target, lib_display, ctx.diags)
    except OSError as err:
        ctx.diags.add(lib_display, SourcePos(1, 1), "GL0004", f"cannot read the file: {err.strerror or err}")
        return None
    if source is None:
        return None
    ctx.files[lib_display] = ImportedFile(source, target.parent)
    if target.suffix in (".yaml", ".yml"):
        from .yaml_loader import parse_game_yaml

        data = parse_game_yaml(source.text, lib_display, ctx.diags)
    else:
        data = parse_game_text(source.text, lib_display, ctx.diags)
    if len(ctx.diags.items) > before:
        ctx.broken = True
    return data


def _mark(data: dict, lib_display: str, lib_dir: Path, root_dir: Path) -> None:
    """Mark the importable declarations of a file as written in it, and rewrite the names of the
    files they read relative to the importing game's folder."""
    for section in IMPORTABLE:
        entry = _entry(data, section)
        if entry is None or not isinstance(_items(entry[1]), dict):
            continue
        table = _items(entry[1])
        for k, v in list(table.items()):
            if not isinstance(v, Located):
                v = Located(v, k.pos if isinstance(k, Located) else SourcePos(1, 1))
                table[k] = v
            if v.file is None:
                v.file = lib_display
                _rewrite_files(section, v, lib_dir, root_dir)
    use = _entry(data, "use")
    for item in (_items(use[1]) if use is not None else None) or []:
        if isinstance(item, Located) and item.file is None:
            item.file = lib_display


def _rewrite_files(section: str, decl: Located, lib_dir: Path, root_dir: Path) -> None:
    """Rewrite the file names of one declaration (templates from files, constants from files)."""
    value = decl.value
    if section == "consts" and isinstance(value, dict):
        _rewrite_in(value, "file", lib_dir, root_dir)
    elif section == "templates":
        _rewrite_template(decl, lib_dir, root_dir)
    elif isinstance(value, dict):  # roles (system, intro) and players (reply)
        for k, v in value.items():
            if _key(k) in ("system", "intro", "reply"):
                _rewrite_template(v, lib_dir, root_dir)


def _rewrite_template(node: Any, lib_dir: Path, root_dir: Path) -> None:
    value = _items(node)
    if isinstance(value, dict):
        _rewrite_in(value, "file", lib_dir, root_dir)


def _rewrite_in(mapping: dict, key: str, lib_dir: Path, root_dir: Path) -> None:
    for k, v in list(mapping.items()):
        if _key(k) != key:
            continue
        name = _items(v)
        if not isinstance(name, str) or not name or Path(name).is_absolute():
            continue  # the checker reports it, in the imported file's terms
        rewritten = os.path.relpath(os.path.normpath(lib_dir / name), root_dir)
        if isinstance(v, Located):
            v.value = rewritten
        else:
            mapping[k] = rewritten


def _check_library(data: dict, lib_display: str, ctx: _Context) -> None:
    """A library holds only what an import takes (and its own imports and `use`)."""
    for k, _ in data.items():
        key = _key(k)
        if key in IMPORTABLE or key in LIBRARY_KEYS:
            continue
        ctx.diags.add(lib_display, _position(k, data[k]), "GL0043",
                      f"a library cannot declare `{_section_word(key)}`: it belongs to a game",
                      "a library holds roles, templates, constants, variables, moves, tools, players and states")


def _position(key: Any, value: Any) -> SourcePos:
    """Where a top-level entry was written: its key, or the first declaration in it (the .game
    front end keys named sections by plain strings)."""
    if isinstance(key, Located):
        return key.pos
    inner = _items(value)
    first = next(iter(inner), None) if isinstance(inner, dict) else None
    return first.pos if isinstance(first, Located) else SourcePos(1, 1)


def _section_word(key: str) -> str:
    return {"game": "game", "instance": "instance", "instances": "instances", "experiments": "experiment",
            "states": "state", "score": "score", "limits": "limits"}.get(key, key)


def _take(data: dict, pending: dict[str, dict], lib_data: dict, lib_display: str, written: str,
          wanted: list | None, display: str, pos: SourcePos, ctx: _Context, *, library: bool) -> None:
    """Take the importable declarations of ``lib_data`` (those ``wanted``, or all) into ``pending``,
    by section, reporting names that ``data`` or an earlier import declares already. The states of
    a game (``library`` False) are not taken."""
    sections = IMPORTABLE if library else tuple(s for s in IMPORTABLE if s not in LIBRARY_ONLY)
    available: dict[str, list[str]] = {}
    for section in sections:
        entry = _entry(lib_data, section)
        if entry is not None and isinstance(_items(entry[1]), dict):
            for k in _items(entry[1]):
                available.setdefault(str(_key(k)), []).append(section)
    names: set[str] | None = None
    if wanted is not None:
        names = set()
        for n in wanted:
            name = str(_items(n))
            if name not in available:
                npos = n.pos if isinstance(n, Located) else pos
                if not library and name in _names(lib_data, LIBRARY_ONLY):
                    ctx.diags.add(display, npos, "GL0044", f"'{name}' is a state of the game '{lib_display}': "
                                  "a game's states are its own and cannot be imported",
                                  "move the state into a library (NAME.gamelib) that both games import")
                    continue
                ctx.diags.add(display, npos, "GL0044", f"'{lib_display}' declares no importable '{name}'",
                              did_you_mean(name, available) or f"an import takes {TAKES}")
                continue
            names.add(name)
    for section in sections:
        entry = _entry(lib_data, section)
        if entry is None or not isinstance(_items(entry[1]), dict):
            continue
        own = _items(_entry(data, section)[1]) if _entry(data, section) is not None else {}
        own = own if isinstance(own, dict) else {}
        for k, v in _items(entry[1]).items():
            name = str(_key(k))
            if names is not None and name not in names:
                continue
            clash = next(((tk, tv) for tk, tv in [*pending[section].items(), *own.items()] if _key(tk) == name),
                         None)
            if clash is not None:
                if isinstance(clash[1], Located) and clash[1].file is not None and clash[1].file == v.file:
                    continue  # the same declaration, imported by two routes
                where = clash[1].file if isinstance(clash[1], Located) and clash[1].file else display
                line = clash[0].pos.line if isinstance(clash[0], Located) else 1
                ctx.diags.add(display, pos, "GL0008",
                              f"{WHAT[section]} '{name}' from '{v.file or lib_display}' is declared already "
                              f"(in {where}, line {line})",
                              f"import only what the game does not declare: import NAME, ... from \"{written}\"")
                continue
            pending[section][k] = v
    lib_use = _entry(lib_data, "use")
    if lib_use is not None and isinstance(_items(lib_use[1]), list):
        own = _entry(data, "use")
        if own is None:
            data[Located("use", pos)] = Located(list(_items(lib_use[1])), pos)
        else:
            have = {_items(u) for u in _items(own[1])}
            _items(own[1]).extend(u for u in _items(lib_use[1]) if _items(u) not in have)


def _names(data: dict, sections: tuple[str, ...]) -> set[str]:
    """The names a file declares in ``sections``."""
    names: set[str] = set()
    for section in sections:
        entry = _entry(data, section)
        if entry is not None and isinstance(_items(entry[1]), dict):
            names.update(str(_key(k)) for k in _items(entry[1]))
    return names


def _section(data: dict, section: str) -> dict:
    entry = _entry(data, section)
    if entry is None:
        data[section] = {}
        return data[section]
    table = _items(entry[1])
    return table
