"""Diagnostics: what the compiler says about a game file, with stable codes and positions.

Every problem the compiler finds is a :class:`Diagnostic` with a code from :data:`CODES`.
Codes are stable: a code never changes meaning, and docs/diagnostics.md documents each one
(a test keeps the two equal).
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable


class Severity(str, Enum):
    """How bad a diagnostic is: errors make a game invalid, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class SourcePos:
    """A range in a source file; lines and columns count from 1, the end is inclusive."""

    line: int
    column: int
    end_line: int | None = None
    end_column: int | None = None

    @property
    def end(self) -> tuple[int, int]:
        """The last (line, column) of the range, the start itself for a point."""
        return (self.end_line or self.line, self.end_column or self.column)


@dataclass(frozen=True)
class Code:
    """One entry of the diagnostics catalogue."""

    code: str
    name: str
    severity: Severity
    summary: str


def _catalogue(*entries: tuple[str, str, Severity, str]) -> dict[str, Code]:
    return {c: Code(c, n, s, d) for c, n, s, d in entries}


E, W = Severity.ERROR, Severity.WARNING

#: Every diagnostic code the compiler can emit. Never renumber: add new codes at the end.
CODES: dict[str, Code] = _catalogue(
    ("GL0001", "syntax-error", E, "The text does not follow the grammar of a .game file."),
    ("GL0002", "unexpected-character", E, "A character that cannot start any token."),
    ("GL0003", "unexpected-end", E, "The file ends inside a block or a statement."),
    ("GL0004", "unreadable-file", E, "The file cannot be read as UTF-8 text (binary, bad encoding)."),
    ("GL0005", "file-too-large", E, "The file is larger than the compiler accepts."),
    ("GL0006", "yaml-syntax", E, "The YAML form of a game is not well-formed YAML."),
    ("GL0007", "invalid-structure", E, "A declaration has a missing, unknown or wrongly typed entry."),
    ("GL0008", "duplicate-name", E, "A name is declared twice in the same namespace."),
    ("GL0009", "undefined-role", E, "A role is used but never declared."),
    ("GL0010", "undefined-state", E, "A `goto` (or the header's `start`) names a state that is not declared."),
    ("GL0011", "undefined-move", E, "A `parse` names a move that is not declared."),
    ("GL0012", "undefined-name", E, "An expression uses a name that is not declared."),
    ("GL0013", "undefined-function", E, "An expression calls a function that does not exist."),
    ("GL0014", "undefined-template", E, "A named template is used but never declared."),
    ("GL0015", "unknown-field", E, "A field is read from a record that does not have it."),
    ("GL0016", "undefined-template-variable", E, "A template uses a variable that is not declared."),
    ("GL0017", "type-error", E, "The operands of an expression have types that do not fit."),
    ("GL0018", "bad-call", E, "A function is called with the wrong number or types of arguments."),
    ("GL0019", "assignment-type", E, "A value of one type is stored where another is declared."),
    ("GL0020", "not-assignable", E, "`set` targets something that is not a variable."),
    ("GL0021", "invalid-regex", E,
     ("A regex (a move's, or the pattern of matches(), search(), find_all()) does not compile under the "
      "linear-time engine.")),
    ("GL0022", "template-syntax", E, "A template is not valid Jinja2."),
    ("GL0023", "missing-file", E, "A file the game refers to does not exist."),
    ("GL0024", "invalid-type", E, "A type expression names an unknown type."),
    ("GL0025", "unreachable-state", E, "No path from the start state leads to this state."),
    ("GL0026", "no-way-out", E, "A path through a state ends without `goto` or `end`."),
    ("GL0027", "no-termination-bound", E, "The states form a cycle that no limit bounds."),
    ("GL0028", "unreachable-statement", W, "A statement follows a `goto` or `end` and never runs."),
    ("GL0029", "parse-without-ask", E, "A `parse` or reprompt has no `ask` before it in its state."),
    ("GL0030", "wrong-role", E, "A move is parsed from a role that was not the one asked."),
    ("GL0031", "no-states", E, "A game declares no states (or no header), or only imported ones and no `start`."),
    ("GL0032", "unused", W, "A declaration is never used."),
    ("GL0033", "reserved-name", E, "A declared name clashes with a built-in name or function."),
    ("GL0034", "builtin-out-of-scope", E, "A built-in name is used where it has no value yet."),
    ("GL0035", "invalid-constant", E, "A constant or default value cannot be computed at compile time."),
    ("GL0036", "instance-field", E, "An experiment or instance option names an unknown instance field."),
    ("GL0037", "invalid-instance", E, "An instance record does not fit the game's instance schema."),
    ("GL0038", "file-outside-folder", E, "A file the game names lies outside the game's folder."),
    ("GL0039", "experiment-without-instances", W, "An experiment matches no group of the instances."),
    ("GL0040", "too-deeply-nested", E, "Expressions, blocks or data are nested more deeply than the compiler accepts."),
    ("GL0041", "undefined-tool", E,
     "A tool move or `result` names a tool that is not declared, or a move that parses no tool call."),
    ("GL0042", "import-cycle", E, "Files import each other, directly or through other files."),
    ("GL0043", "not-importable", E,
     "An import names a file that is not a game or library, or a library declares what only a game may."),
    ("GL0044", "undefined-import", E, "An import names a declaration that the imported file does not have (or a state of a game)."),
    ("GL0045", "undefined-library", E, "`use` names a function library that does not exist."),
)

#: How many diagnostics one file may produce before the rest are summarised.
MAX_DIAGNOSTICS = 200


@dataclass
class Diagnostic:
    """One problem in one file."""

    path: str
    pos: SourcePos
    code: str
    message: str
    hint: str | None = None
    severity: Severity = field(default=Severity.ERROR)

    def __post_init__(self) -> None:
        self.severity = CODES[self.code].severity

    @property
    def is_error(self) -> bool:
        """Whether this diagnostic makes the game invalid."""
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple:
        """Order diagnostics by file, then position, then code."""
        return (self.path, self.pos.line, self.pos.column, self.code)

    def to_json(self) -> dict:
        """The machine-readable form used by `gamelang validate --format json`."""
        end_line, end_column = self.pos.end
        return {
            "path": self.path,
            "line": self.pos.line,
            "column": self.pos.column,
            "end": {"line": end_line, "column": end_column},
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
        }


class Diagnostics:
    """Collects the diagnostics of one compilation; never raises on a bad game."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def add(self, path: str, pos: SourcePos, code: str, message: str, hint: str | None = None) -> None:
        """Record one diagnostic; duplicates (same place, code and message) are kept once."""
        d = Diagnostic(path, pos, code, message, hint)
        if any(x.pos == d.pos and x.code == d.code and x.message == d.message for x in self.items):
            return
        self.items.append(d)

    @property
    def has_errors(self) -> bool:
        """Whether any diagnostic is an error."""
        return any(d.is_error for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        """All diagnostics ordered by position, capped at :data:`MAX_DIAGNOSTICS`."""
        return sorted(self.items, key=Diagnostic.sort_key)[:MAX_DIAGNOSTICS]


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A 'did you mean' hint naming the closest candidate, if one is close enough."""
    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean '{matches[0]}'?" if matches else None


def render_text(diags: list[Diagnostic], sources: dict[str, str]) -> str:
    """Human-readable diagnostics: `path:line:col: CODE severity: message`, source line, caret."""
    out: list[str] = []
    for d in diags:
        out.append(f"{d.path}:{d.pos.line}:{d.pos.column}: {d.code} {d.severity.value}: {d.message}")
        lines = sources.get(d.path, "").splitlines()
        if 1 <= d.pos.line <= len(lines):
            text = lines[d.pos.line - 1].expandtabs(1)
            if len(text) > 200:  # keep huge one-line files readable
                text = text[:200] + " ..."
            end_line, end_col = d.pos.end
            width = (end_col - d.pos.column + 1) if end_line == d.pos.line else 1
            width = max(1, min(width, max(1, len(text) - d.pos.column + 1)))
            gutter = f"{d.pos.line:>5} | "
            out.append(gutter + text)
            out.append(" " * (len(gutter) - 2) + "| " + " " * (d.pos.column - 1) + "^" * width)
        if d.hint:
            out.append(f"      = hint: {d.hint}")
    return "\n".join(out)


def render_json(diags: list[Diagnostic]) -> str:
    """Diagnostics as a JSON list (see :meth:`Diagnostic.to_json`)."""
    return json.dumps([d.to_json() for d in diags], indent=2, ensure_ascii=False)


class LangSyntaxError(ValueError):
    """A syntax or type-expression error inside one expression or type text.

    ``line`` and ``column`` are relative to that text. Raised by :func:`parse_expression` and
    :func:`parse_type`; the spec models turn it into a positioned diagnostic.
    """

    def __init__(self, message: str, line: int = 1, column: int = 1, code: str = "GL0001",
                 hint: str | None = None, end_column: int | None = None) -> None:
        super().__init__(message)
        self.message, self.line, self.column, self.code, self.hint = message, line, column, code, hint
        self.end_column = end_column
