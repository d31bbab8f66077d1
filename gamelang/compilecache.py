"""What `gamelang validate` found in a game, kept on disk until any of its inputs changes.

Validating the 15 shipped games takes seconds (parsing, checking, compiling templates, reading
instances); most runs of `validate` see the same files as the run before. An entry holds the
diagnostics of one game file (with the source lines they show) and is used only when every
input is unchanged:

- its key hashes gamelang's own files (every module and the grammar, by name, size and
  modification time, as Python judges its bytecode), the names of every
  installed distribution (their versions: Lark, Jinja, pydantic, ...), Python's version, the
  variant (instances checked or not), the path as given, the resolved path, and the file's bytes;
- the entry lists every other file the validation opened (imported games and libraries, template
  and data files, the instance file: seen through Python's ``open`` audit event, not from a list
  kept by hand), each with a hash of its bytes, checked again on every use;
- and a fingerprint of the folders those files lie in: every name in the game's folder and in
  each game folder it read from, recursively, with the target of every symbolic link; a file
  that appears, goes or is relinked there misses the entry.

Only clean results (warnings, no errors) are stored: an error may come from a file that does
not exist, which no list of opened files shows. A validation that lists a folder near the game is
not stored either. The cache can make `validate` faster, never different or failing: an entry that is
missing, unreadable, corrupt or written by another version is ignored (and rewritten), files
are written under a temporary name and renamed, a folder that cannot be written is left
alone, and ``GAMELANG_CACHE_DIR=""`` turns it off (see :mod:`gamelang.parsercache` for the
folder).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .lang.diagnostics import Diagnostic, SourcePos
from .parsercache import cache_dir, keep_newest, write_atomically

#: Bumped when the layout of an entry changes.
FORMAT = "1"
PREFIX = "validate-"
#: How many entries are kept (one per game file, variant and version of gamelang).
KEEP = 512
#: A game folder with more names than this is not fingerprinted, and its games not cached.
MAX_FOLDER_ENTRIES = 5000

_PACKAGE = Path(__file__).resolve().parent


@dataclass
class CachedReport:
    """The diagnostics of one game file, and the source texts they show."""

    diagnostics: list[Diagnostic]
    sources: dict[str, str]


@dataclass
class Recording:
    """Files opened (and whether a folder was listed) while a game was validated."""

    opened: set[str] = field(default_factory=set)
    listed: set[str] = field(default_factory=set)  # folders listed (Python's imports list some too)


_recording: Recording | None = None
_hooked = False


def _audit(event: str, args: tuple) -> None:
    rec = _recording
    if rec is None:
        return
    if event == "open":
        name = args[0]
        if isinstance(name, (str, bytes, os.PathLike)):
            rec.opened.add(os.fsdecode(name))
    elif event in ("os.listdir", "os.scandir", "glob.glob"):
        name = args[0] if args else "."
        rec.listed.add(os.fsdecode(name) if isinstance(name, (str, bytes, os.PathLike)) else "")


@contextlib.contextmanager
def recording() -> Iterator[Recording]:
    """Record the files opened inside the ``with`` block (through Python's audit events)."""
    global _recording, _hooked
    if not _hooked:  # an audit hook cannot be removed: one, idle outside this block
        sys.addaudithook(_audit)
        _hooked = True
    outer, _recording = _recording, Recording()
    try:
        yield _recording
    finally:
        _recording = outer


_toolchain: str | None = None


def toolchain() -> str:
    """A hash of what validates a game: gamelang's files, the installed distributions, Python.

    gamelang's files count by name, size and modification time, the test Python itself applies
    to decide that a module's cached bytecode is stale (reading and hashing all of them cost
    about as much as starting Python).
    """
    global _toolchain
    if _toolchain is None:
        h = hashlib.sha256(f"{FORMAT}\0{sys.version}\0{sys.implementation.name}\0".encode())
        for here, dirs, names in os.walk(_PACKAGE):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(names):
                st = os.stat(os.path.join(here, name))
                h.update(f"{os.path.relpath(os.path.join(here, name), _PACKAGE)}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
        for folder in sorted({p for p in map(_site_of, ("lark", "jinja2", "pydantic", "pydantic_core")) if p}):
            try:  # the dist-info folders name every installed distribution and its version
                h.update("\0".join(sorted(os.listdir(folder))).encode())
            except OSError:
                pass
        _toolchain = h.hexdigest()
    return _toolchain


def _site_of(module: str) -> str | None:
    """The folder a module is installed in, without importing it."""
    from importlib.util import find_spec

    try:
        spec = find_spec(module)
    except (ImportError, ValueError):
        return None
    origin = spec.origin if spec else None
    return os.path.dirname(os.path.dirname(origin)) if origin else None


def _hash_file(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def _ignored_roots() -> tuple[str, ...]:
    """Opened files that are not inputs of a game: Python's and gamelang's own (in the toolchain
    hash) and the cache folder's."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, str(_PACKAGE)}
    folder = cache_dir()
    if folder is not None:
        roots.add(str(folder.resolve()))
    return tuple(os.path.join(os.path.realpath(r), "") for r in roots)


def _folders(reach: Path, files: list[str], game_folder: Path) -> list[Path]:
    """The game folders to fingerprint: the game's own, and that of every opened file under ``reach``."""
    roots = {game_folder}
    for name in files:
        try:
            rel = Path(name).relative_to(reach)
        except ValueError:
            continue
        if len(rel.parts) > 1:
            roots.add(reach / rel.parts[0])
    return sorted(roots)


def _fingerprint(folders: list[Path]) -> str | None:
    """A hash of every name under ``folders`` (links not followed, their targets read); None if too many."""
    h = hashlib.sha256()
    count = 0
    for root in folders:
        h.update(f"\0root\0{root}\0{os.path.islink(root)}\0{os.path.isdir(root)}".encode())
        for here, dirs, names in os.walk(root, followlinks=False):
            dirs.sort()
            count += len(dirs) + len(names)
            if count > MAX_FOLDER_ENTRIES:
                return None
            for name in sorted(dirs + names):
                full = os.path.join(here, name)
                link = os.readlink(full) if os.path.islink(full) else ""
                h.update(f"\0{os.path.relpath(full, root)}\0{link}".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _entry_path(path: Path, display: str, variant: str) -> tuple[Path, str, Path] | None:
    """(entry file, key, resolved game path), or None when the cache is off or the game unreadable."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        resolved = path.resolve()
        data = resolved.read_bytes()
    except (OSError, RuntimeError):
        return None
    h = hashlib.sha256()
    for part in (toolchain(), variant, display, str(path), str(resolved)):
        h.update(part.encode("utf-8", "surrogateescape") + b"\0")
    h.update(data)
    key = h.hexdigest()
    return folder / f"{PREFIX}{key[:32]}.json", key, resolved


def lookup(path: Path, display: str, variant: str) -> CachedReport | None:
    """The stored report of ``path`` when it and every input it read are unchanged; else None."""
    where = _entry_path(path, display, variant)
    if where is None:
        return None
    entry_file, key, resolved = where
    if not entry_file.is_file():  # (not opened: no open event for a program that watches them)
        return None
    try:
        with open(entry_file, encoding="utf-8") as fh:
            entry = json.load(fh)
        if entry["key"] != key:
            return None
        for name, digest in entry["files"]:
            if _hash_file(name) != digest:
                return None
        if _fingerprint([Path(p) for p in entry["folders"]]) != entry["fingerprint"]:
            return None
        diagnostics = [Diagnostic(d["path"], SourcePos(*d["pos"]), d["code"], d["message"], d["hint"])
                       for d in entry["diagnostics"]]
        sources = dict(entry["sources"])
        if not all(isinstance(v, str) for v in sources.values()):
            return None
    except Exception:  # missing, unreadable, corrupt, another layout: validate again
        return None
    return CachedReport(diagnostics, sources)


def store(path: Path, display: str, variant: str, rec: Recording, diagnostics: list[Diagnostic],
          sources: dict[str, str]) -> bool:
    """Keep a clean report of ``path`` (no errors) for :func:`lookup`; whether it was stored."""
    if any(d.is_error for d in diagnostics):
        return False
    where = _entry_path(path, display, variant)
    if where is None:
        return False
    entry_file, key, resolved = where
    reach = resolved.parent.parent  # the folder of game folders, which a game may read from
    for name in rec.listed:  # a listing inside it may have shaped the result (Python's imports list elsewhere)
        listed = Path(os.path.realpath(name or "."))
        if listed == reach or listed.is_relative_to(reach):
            return False
    ignored = _ignored_roots()
    files = sorted(name for name in {os.path.realpath(n) for n in rec.opened}
                   if not name.startswith(ignored) and name != str(resolved))
    digests = [[name, _hash_file(name)] for name in files]
    if any(d is None for _, d in digests):  # a file that went away: an input that is not there
        return False
    folders = _folders(reach, files, resolved.parent)
    fingerprint = _fingerprint(folders)
    if fingerprint is None:
        return False
    shown = {d.path for d in diagnostics}
    entry = {
        "key": key, "files": digests, "folders": [str(p) for p in folders], "fingerprint": fingerprint,
        "diagnostics": [{"path": d.path, "pos": [d.pos.line, d.pos.column, d.pos.end_line, d.pos.end_column],
                         "code": d.code, "message": d.message, "hint": d.hint} for d in diagnostics],
        "sources": {k: v for k, v in sources.items() if k in shown},
    }
    text = json.dumps(entry).encode("utf-8", "surrogateescape")
    if not write_atomically(entry_file, lambda fh: fh.write(text)):
        return False
    keep_newest(entry_file.parent, f"{PREFIX}*.json", KEEP)
    return True
