"""A Lark LALR parser kept on disk between processes.

Building the LALR tables of the .game grammar takes 100-200 ms, in every process that compiles
a game; loading them back takes a few milliseconds. The tables go to a file in the user's cache
folder (``$GAMELANG_CACHE_DIR``, else ``$XDG_CACHE_HOME/gamelang``, else ``~/.cache/gamelang``)
whose name and first line are a hash of everything that shapes them: the grammar text, the
parser options, the post-lexer's class, Lark's version and Python's. A changed grammar thus
finds no file and builds (and stores) its own.

The cache can only make start-up faster, never wrong or failing: a file that is missing,
unreadable, truncated, corrupt or written by something else is ignored and the parser is built
from the grammar; a folder that cannot be written is left alone (``GAMELANG_CACHE_DIR=""``
turns the cache off). A new file is written under a temporary name and renamed into place, so
a process never reads another's half-written file.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Any, BinaryIO, Callable

#: Bumped when the layout of the cache file changes.
FORMAT = "1"
PREFIX = "lark-lalr-"
#: How many cache files (of different grammars) are kept.
KEEP = 8


def cache_dir() -> Path | None:
    """The folder for gamelang's cached files, or None when caching is turned off."""
    explicit = os.environ.get("GAMELANG_CACHE_DIR")
    if explicit is not None:
        return Path(explicit) if explicit.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):  # the XDG spec: a relative value is ignored
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gamelang"


def write_atomically(path: Path, write: Callable[[BinaryIO], None]) -> bool:
    """Write a cache file: ``write(fh)`` to a temporary name beside ``path``, then renamed into place,
    so that no process ever reads half a file. A cache that cannot be written (a read-only or full
    disk, a folder where the file should be, a value that cannot be written) is not an error:
    False, and nothing is left behind. Shared by gamelang's caches."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except Exception:
        try:
            tmp.unlink()
        except OSError:
            pass
        return False
    return True


def keep_newest(folder: Path, pattern: str, keep: int) -> None:
    """Delete all but the ``keep`` most recently written files of ``folder`` matching ``pattern``."""
    try:
        stored = list(folder.glob(pattern))
        if len(stored) > keep:
            stored.sort(key=lambda p: p.stat().st_mtime, reverse=True)
            for old in stored[keep:]:
                old.unlink()
    except OSError:
        pass


def cache_key(grammar: str, options: dict[str, Any], postlex: object | None) -> str:
    """The hash that names a parser's cache file: what the parser tables depend on."""
    import lark

    parts = [FORMAT, lark.__version__, "%d.%d" % sys.version_info[:2], grammar,
             repr(sorted((k, repr(v)) for k, v in options.items())),
             "" if postlex is None else f"{type(postlex).__module__}.{type(postlex).__qualname__}"]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def lalr_parser(grammar: str, *, postlex: object | None = None, propagate_positions: bool = False,
                **options: Any):
    """``Lark(grammar, parser="lalr", ...)``, loaded from the cache when it holds these tables."""
    from lark import Lark

    options = dict(options, parser="lalr")
    key = cache_key(grammar, dict(options, propagate_positions=propagate_positions), postlex)
    folder = cache_dir()
    path = folder / f"{PREFIX}{key[:32]}.pickle" if folder is not None else None
    if path is not None:
        parser = _load(path, key, postlex, propagate_positions)
        if parser is not None:
            return parser
    parser = Lark(grammar, postlex=postlex, propagate_positions=propagate_positions, **options)
    if path is not None:
        _store(parser, path, key)
    return parser


def _load(path: Path, key: str, postlex: object | None, propagate_positions: bool):
    """The parser stored in ``path`` under ``key``; None when there is none or it cannot be used."""
    from lark import Lark

    try:
        with open(path, "rb") as fh:
            if fh.readline().rstrip(b"\n") != key.encode("ascii"):
                return None
            parser = Lark.__new__(Lark)
            # the options a stored parser cannot hold (objects) are given back, as Lark's own cache does
            parser._load(fh, postlex=postlex, propagate_positions=propagate_positions)
            return parser
    except Exception:  # missing, unreadable, truncated, corrupt, another Lark's layout: build it instead
        return None


def _store(parser: Any, path: Path, key: str) -> None:
    """Write ``parser`` to ``path`` atomically; a cache that cannot be written is not an error."""
    from lark.lark import _LOAD_ALLOWED_OPTIONS

    def write(fh: BinaryIO) -> None:
        fh.write(key.encode("ascii") + b"\n")
        parser.save(fh, _LOAD_ALLOWED_OPTIONS)

    if write_atomically(path, write):
        # tables of earlier grammars (other versions or checkouts may share the folder): keep the newest few
        keep_newest(path.parent, f"{PREFIX}*.pickle", KEEP)
