"""Source text and source maps.

Both front ends (.game and YAML) build a *located tree*: plain data (dicts, lists, scalars) in
which some nodes are wrapped in :class:`Located` to carry their position. :func:`flatten`
strips the wrappers and returns the plain data, ready for the spec models, together with a
:class:`SourceMap` from data paths to positions. The spec models never see positions, so the
same game written in either front end gives equal specs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostics, SourcePos

#: Game files larger than this are refused (a game is a page or two of text).
MAX_SOURCE_BYTES = 1_000_000

DataPath = tuple  # a path into the plain data: ("states", "guess", 2, "check")


@dataclass(frozen=True)
class TextPos:
    """Where a block of text (a template, an expression) starts, and how its lines map back.

    ``indent`` is the number of columns removed from lines after the first (dedented text),
    so line ``k > 1`` of the text starts at column ``indent + 1`` of source line
    ``pos.line + k - 1``.
    """

    pos: SourcePos
    indent: int = 0

    def map(self, line: int, column: int, end_line: int | None = None, end_column: int | None = None) -> SourcePos:
        """Map a position inside the text (1-based) to a position in the source file."""

        def one(ln: int, col: int) -> tuple[int, int]:
            if ln <= 1:
                return self.pos.line, self.pos.column + col - 1
            return self.pos.line + ln - 1, self.indent + col

        sl, sc = one(line, column)
        if end_line is None:
            return SourcePos(sl, sc)
        el, ec = one(end_line, end_column or column)
        return SourcePos(sl, sc, el, ec)


@dataclass(eq=False)  # identity hashing: Located keys of a mapping stay distinct
class Located:
    """A node of the located tree: a value and where it was written."""

    value: Any
    pos: SourcePos
    text: TextPos | None = None  # for text values: how lines inside map back to the file
    file: str | None = None  # the file it was written in, when not the game's own (an import)


class SourceMap:
    """Positions of the nodes of a game's plain data, keyed by data path."""

    def __init__(self) -> None:
        self.values: dict[DataPath, SourcePos] = {}
        self.keys: dict[DataPath, SourcePos] = {}
        self.texts: dict[DataPath, TextPos] = {}
        self.files: dict[DataPath, str] = {}  # declarations imported from another file -> that file

    def file_of(self, path: DataPath, default: str) -> str:
        """The file the node at ``path`` was written in: an imported file, or ``default`` (the game's)."""
        p = tuple(path)
        while p:
            if p in self.files:
                return self.files[p]
            p = p[:-1]
        return default

    def at(self, path: DataPath) -> SourcePos:
        """The position of the node at ``path``, or of its nearest located ancestor."""
        p = tuple(path)
        while p:
            if p in self.values:
                return self.values[p]
            if p in self.keys:
                return self.keys[p]
            p = p[:-1]
        return SourcePos(1, 1)

    def key(self, path: DataPath) -> SourcePos:
        """The position of the name under which ``path`` was declared (a mapping key)."""
        p = tuple(path)
        return self.keys.get(p) or self.at(p)

    def text(self, path: DataPath) -> TextPos:
        """How to map positions inside the text at ``path`` back to the file."""
        p = tuple(path)
        return self.texts.get(p) or TextPos(self.at(p))

    def resolve(self, loc: tuple) -> DataPath:
        """The longest recorded path that ``loc`` (a pydantic error location) walks through.

        Parts that pydantic adds for tagged unions, which are not in the data, are skipped.
        """
        known = self._known_prefixes()
        cur: DataPath = ()
        for i, part in enumerate(loc):
            nxt = loc[i + 1] if i + 1 < len(loc) else None
            if cur + (part,) not in known:
                continue
            # a union tag may share its name with a data key ('parse'); skip it when the
            # next part continues from here, not from inside the tag
            if nxt is not None and cur + (part, nxt) not in known and cur + (nxt,) in known:
                continue
            cur = cur + (part,)
        return cur

    def _known_prefixes(self) -> set:
        prefixes: set = set()
        for p in list(self.values) + list(self.keys):
            for i in range(1, len(p) + 1):
                prefixes.add(p[:i])
        return prefixes


def flatten(node: Any, smap: SourceMap, path: DataPath = ()) -> Any:
    """Strip :class:`Located` wrappers, recording positions in ``smap`` by data path."""
    if isinstance(node, Located):
        smap.values.setdefault(path, node.pos)
        if node.file is not None:
            smap.files.setdefault(path, node.file)
        if node.text is not None:
            smap.texts[path] = node.text
        node = node.value
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            key = k
            if isinstance(k, Located):
                key = k.value
                smap.keys[path + (key,)] = k.pos
            out[key] = flatten(v, smap, path + (key,))
        return out
    if isinstance(node, list):
        return [flatten(v, smap, path + (i,)) for i, v in enumerate(node)]
    return node


class OutsideFolder(ValueError):
    """A file a game names that lies outside the game's folder (absolute, ``..``, or a symlink out)."""


def confined_path(base_dir: Path, name: str, root: Path | None = None) -> Path:
    """The file ``name`` (relative to a game's folder ``base_dir``), checked to stay inside it
    (or inside ``root``, a folder that holds ``base_dir``: an imported file's own folder, or the
    folder of game folders that imports may reach).

    Game files come from anyone, and what a game reads goes into prompts, logs and transcripts,
    so a game may read only files inside its own folder. The check is made on the path with
    every symlink resolved, so a link inside the folder that points out of it is refused too.
    Returns the resolved path (read that one, not the name, so a link swapped afterwards is not
    followed); raises :class:`OutsideFolder` with the reason.
    """
    if not name or "\x00" in name:
        raise OutsideFolder("the file name is empty or holds a NUL character")
    if Path(name).is_absolute():
        raise OutsideFolder(f"'{name}' is an absolute path; a game reads only files in its own folder")
    try:
        base = base_dir.resolve()
        target = (base / name).resolve()
        limit = base if root is None else root.resolve()
    except (OSError, RuntimeError) as err:  # a symlink loop, a name too long
        raise OutsideFolder(f"'{name}' cannot be resolved: {getattr(err, 'strerror', None) or err}") from None
    if target != limit and not target.is_relative_to(limit):
        how = "leads out of" if ".." in Path(name).parts else "is a link out of"
        what = "the game's folder" if root is None else "the folder it may be read from"
        raise OutsideFolder(f"'{name}' {how} {what}; a game reads only files in its own folder")
    return target


@dataclass
class SourceFile:
    """The text of one game file, read defensively."""

    path: str
    text: str


def read_source(path: Path, display: str, diags: Diagnostics) -> SourceFile | None:
    """Read a game file as text; on any problem record a diagnostic and return None.

    Raises OSError only when the path itself cannot be opened (missing, a directory, no
    permission): that is bad usage, which the command line reports with exit code 2.
    """
    size = path.stat().st_size
    if size > MAX_SOURCE_BYTES:
        diags.add(display, SourcePos(1, 1), "GL0005",
                  f"file is {size:,} bytes; game files may be at most {MAX_SOURCE_BYTES:,} bytes")
        return None
    raw = path.read_bytes()
    return decode_source(raw, display, diags)


def decode_source(raw: bytes, display: str, diags: Diagnostics) -> SourceFile | None:
    """Decode bytes as UTF-8 text, refusing binary content with a positioned diagnostic."""
    if len(raw) > MAX_SOURCE_BYTES:
        diags.add(display, SourcePos(1, 1), "GL0005",
                  f"file is {len(raw):,} bytes; game files may be at most {MAX_SOURCE_BYTES:,} bytes")
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        diags.add(display, SourcePos(line, col), "GL0004",
                  f"file is not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be decoded")
        return None
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        col = nul - (text.rfind("\n", 0, nul) + 1) + 1
        diags.add(display, SourcePos(line, col), "GL0004", "file contains a NUL character: it looks binary")
        return None
    return SourceFile(display, text.replace("\r\n", "\n").replace("\r", "\n"))
