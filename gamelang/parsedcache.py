"""Parsed .game texts kept on disk between processes.

Parsing a .game file costs more than everything after it when a command compiles one game:
importing Lark, loading its tables, compiling its lexer's regular expressions (Python's ``re``
compiles in Python) and parsing take 60-100 ms in a new process, where the parse's result, the
located data the .game front end hands to validation, loads in under a millisecond. So that
result is stored in the user's cache folder (the folder of gamelang.parsercache: ``$GAMELANG_CACHE_DIR``,
else ``$XDG_CACHE_HOME/gamelang``, else ``~/.cache/gamelang``), with the diagnostics the parse
gave, under a hash of the text, the name it is shown under (diagnostics carry it) and the
toolchain (gamelang's own files, the installed distributions, Python: gamelang.compilecache).
A text parses to the same result every time: the parser reads nothing but the text.

A game that parsed and validated without any diagnostic is also stored validated: its
:class:`~gamelang.lang.spec.GameSpec` and source map. Validation reads nothing but the located
data, which the game's text and the texts of the files it imports decide: a game without
imports is looked up by its text alone, before it is parsed; a game with imports after they are
read, by its text and theirs (``imported``: each one's name, folder and text). A command that
finds it skips validation, so the spec's models need not build their validators at all (they
are built on first use: ``defer_build``), about a tenth of a warm `gamelang run taboo`.

As with the parser tables, the cache can only make a command faster, never wrong or failing: a
missing, unreadable, truncated or corrupt entry, or one stored under another key, is ignored
and the text parsed; a folder that cannot be written is left alone; entries are written under a
temporary name and renamed; the newest :data:`KEEP` are kept. ``GAMELANG_CACHE_DIR=""`` turns it
off. Entries are pickles, read only from the user's own cache folder (as the parser tables are).
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import Any

from .lang.diagnostics import Diagnostics
from .parsercache import cache_dir, keep_newest, write_atomically

#: Bumped when the layout of an entry changes.
FORMAT = "1"
PREFIX = "parsed-"
#: The entries of validated specs (the same key, another file).
SPEC_PREFIX = "spec-"
#: How many parsed texts are kept (a few KB each).
KEEP = 512


def parse_game_text(text: str, path: str, diags: Diagnostics) -> dict | None:
    """What :func:`gamelang.lang.parser.parse_game_text` gives for ``text`` shown as ``path`` (its
    located data, its diagnostics added to ``diags``), from the cache when it holds them."""
    folder = cache_dir()
    if folder is None:
        return _parse(text, path, diags)
    key = _key(text, path)
    entry = folder / f"{PREFIX}{key[:40]}.pickle"
    stored = _load(entry, key)
    if stored is not None and (stored[0] is None or isinstance(stored[0], dict)) and isinstance(stored[1], list):
        located, found = stored
        diags.items.extend(found)
        return located
    before = len(diags.items)
    located = _parse(text, path, diags)
    _store(entry, key, (located, diags.items[before:]))
    return located


def validated_spec(text: str, path: str, imported: tuple[str, ...] = ()) -> tuple[Any, Any] | None:
    """The (spec, source map) ``text`` shown as ``path`` (with the imported files described by
    ``imported``) validated into, cleanly, in an earlier process (:func:`store_validated_spec`);
    None when there is none. The caller checks their types."""
    folder = cache_dir()
    if folder is None:
        return None
    key = _key(text, path, imported)
    stored = _load(folder / f"{SPEC_PREFIX}{key[:40]}.pickle", key)
    return stored if stored is not None and len(stored) == 2 else None


def store_validated_spec(text: str, path: str, spec: Any, smap: Any, imported: tuple[str, ...] = ()) -> None:
    """Keep what ``text`` and its imports (no diagnostic at all) validated into, for later processes."""
    folder = cache_dir()
    if folder is not None:
        key = _key(text, path, imported)
        _store(folder / f"{SPEC_PREFIX}{key[:40]}.pickle", key, (spec, smap))


def _key(text: str, path: str, imported: tuple[str, ...] = ()) -> str:
    from .compilecache import toolchain

    return hashlib.sha256("\0".join((FORMAT, toolchain(), path, text) + imported)
                          .encode("utf-8", "surrogatepass")).hexdigest()


def _parse(text: str, path: str, diags: Diagnostics) -> dict | None:
    from .lang.parser import parse_game_text as parse

    return parse(text, path, diags)


def _load(entry: Path, key: str) -> tuple | None:
    """The tuple stored in ``entry`` under ``key``; None if there is none."""
    try:
        with open(entry, "rb") as fh:
            if fh.readline().rstrip(b"\n") != key.encode("ascii"):
                return None
            stored = pickle.load(fh)
        if type(stored) is tuple:
            return stored
    except Exception:  # missing, unreadable, truncated, corrupt, from another layout: parse instead
        pass
    return None


def _store(entry: Path, key: str, value: tuple) -> None:
    """Write ``value`` to ``entry`` (atomically; a cache that cannot be written is not an error)."""
    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # a value that cannot be pickled: not cached
        return
    if write_atomically(entry, lambda fh: fh.write(key.encode("ascii") + b"\n" + data)):
        prefix = entry.name.split("-", 1)[0]
        keep_newest(entry.parent, f"{prefix}-*.pickle", KEEP)
