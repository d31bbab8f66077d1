"""What the language server knows about a .game text, without any LSP library.

Diagnostics come from the compiler (``compile_loaded(load_spec_text(...))``), the one checker
that ``gamelang validate`` runs too. Declarations are found by a scan of the text with strings,
text blocks, regex literals and comments blanked out, so that the editor keeps its go-to and
completion while the file does not parse (as it often does while one types).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


def keywords() -> tuple[str, ...]:
    """The words the grammar reserves, read from the parser itself (a list kept here would drift)."""
    from gamelang.lang.parser import keywords as grammar_keywords

    return tuple(sorted(grammar_keywords()))


#: keyword -> what the name after it declares
DECLARING = {"state": "state", "role": "role", "var": "variable", "const": "constant", "move": "move",
             "tool": "tool", "template": "template", "player": "player", "experiment": "experiment"}

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DECL = re.compile(r"^[ \t]*(" + "|".join(DECLARING) + r")\s+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)
_INSTANCE_BLOCK = re.compile(r"\binstance\s*\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}")
_FIELD = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*:")


@dataclass(frozen=True)
class Span:
    """0-based line and character, end exclusive (as LSP counts; characters are code points)."""

    line: int
    start: int
    end: int


@dataclass(frozen=True)
class Declaration:
    name: str
    kind: str  # state, role, variable, constant, move, tool, template, player, experiment, field
    span: Span
    detail: str  # the declaring line, trimmed


@dataclass(frozen=True)
class Problem:
    """A compiler diagnostic in LSP terms."""

    line: int
    character: int
    end_line: int
    end_character: int
    severity: str  # error or warning
    code: str
    message: str


def blank(text: str) -> str:
    """The text with strings, text blocks, regex literals and comments replaced by spaces (newlines kept)."""
    out = list(text)
    i, n = 0, len(text)

    def wipe(a: int, b: int) -> None:
        for k in range(a, min(b, n)):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if c == "#":
            j = text.find("\n", i)
            j = n if j < 0 else j
            wipe(i, j)
            i = j
        elif text.startswith('"""', i):
            j = i + 3
            while j < n and not text.startswith('"""', j):
                j += 2 if text[j] == "\\" else 1
            wipe(i, j + 3)
            i = j + 3
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] not in (c, "\n"):
                j += 2 if text[j] == "\\" else 1
            wipe(i, j + 1)
            i = j + 1
        elif c == "/" and re.search(r"\bregex\s*$", text[max(0, i - 40):i]):
            j = i + 1
            while j < n and text[j] not in ("/", "\n"):
                j += 2 if text[j] == "\\" else 1
            j += 1
            while j < n and text[j].isalpha():
                j += 1
            wipe(i, j)
            i = j
        else:
            i += 1
    return "".join(out)


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return line, offset - start


def declarations(text: str) -> list[Declaration]:
    """Every name the file declares, in order: states, roles, variables, ..., and instance fields."""
    masked = blank(text)
    lines = text.split("\n")
    found: list[Declaration] = []
    for m in _DECL.finditer(masked):
        line, col = _position(masked, m.start(2))
        found.append(Declaration(m.group(2), DECLARING[m.group(1)], Span(line, col, col + len(m.group(2))),
                                 lines[line].strip()))
    for block in _INSTANCE_BLOCK.finditer(masked):
        body_start = block.start(1)
        for f in _FIELD.finditer(block.group(1)):
            prefix = block.group(1)[:f.start()]
            if prefix.count("{") != prefix.count("}") or prefix.count("[") != prefix.count("]"):
                continue  # a field of a record type, not of the instance
            line, col = _position(masked, body_start + f.start(1))
            found.append(Declaration(f.group(1), "field", Span(line, col, col + len(f.group(1))),
                                     lines[line].strip()))
    return found


def word_at(text: str, line: int, character: int) -> tuple[str, Span] | None:
    """The name under (or just before) a position, if any."""
    rows = text.split("\n")
    if not 0 <= line < len(rows):
        return None
    row = rows[line]
    for m in NAME.finditer(row):
        if m.start() <= character <= m.end():
            return m.group(0), Span(line, m.start(), m.end())
    return None


#: the keyword before a name -> the kinds of declaration it names
_CONTEXT = {"goto": ("state",), "ask": ("role",), "tell": ("role",), "to": ("role",), "by": ("role",),
            "for": ("role",), "parse": ("move",), "result": ("move",), "persona": ("field", "variable", "constant")}


def find_declaration(text: str, line: int, character: int) -> tuple[Declaration, Span] | None:
    """The declaration of the name at a position, and the name's span.

    A name may be declared twice in different kinds (a move and a state both named ``guess``):
    the keyword before it decides (``goto guess`` is the state, ``parse guess`` the move).
    """
    word = word_at(text, line, character)
    if word is None:
        return None
    name, span = word
    candidates = [d for d in declarations(text) if d.name == name]
    if not candidates:
        return None
    before = re.search(r"([A-Za-z_]+)\s+$", text.split("\n")[line][:span.start])
    wanted = _CONTEXT.get(before.group(1) if before else "", ())
    preferred = [d for d in candidates if d.kind in wanted]
    return (preferred or candidates)[0], span


def prefix_at(text: str, line: int, character: int) -> str:
    rows = text.split("\n")
    if not 0 <= line < len(rows):
        return ""
    m = re.search(r"[A-Za-z_][A-Za-z0-9_]*$", rows[line][:character])
    return m.group(0) if m else ""


def function_names() -> list[str]:
    """The names of the language's built-in functions (empty if they cannot be listed)."""
    try:
        from ..lang.functions import ALL_FUNCTIONS

        return sorted(ALL_FUNCTIONS)
    except Exception:  # the function registry is another module's business: completion goes on without it
        return []


def diagnose(text: str, path: str | None) -> list[Problem]:
    """The compiler's diagnostics of ``text`` (as if it were the file ``path``)."""
    from ..compiler import compile_loaded
    from ..lang.loader import load_spec_text

    display = path or "<untitled>.game"
    try:
        result = compile_loaded(load_spec_text(text, display, path=Path(path) if path else None))
        diags = result.diagnostics
    except Exception as err:  # a checker bug must not take the editor's server down
        return [Problem(0, 0, 0, 1, "error", "internal", f"gamelang could not check this file: "
                                                         f"{type(err).__name__}: {err}")]
    rows = text.split("\n")
    out = []
    library = display.endswith(".gamelib")
    for d in diags:
        if library and d.code == "GL0031":  # a library (.gamelib) has no game header, by design
            continue
        message = d.message + (f" (hint: {d.hint})" if d.hint else "")
        severity = "error" if d.is_error else "warning"
        if d.path != display:  # a problem in an imported file: shown at the top of this one
            out.append(Problem(0, 0, 0, 0, severity, d.code, f"{d.path}:{d.pos.line}: {message}"))
            continue
        line, col = max(0, d.pos.line - 1), max(0, d.pos.column - 1)
        if d.pos.end_line is None and d.pos.end_column is None:  # a point: the word there
            row = rows[line] if line < len(rows) else ""
            word = NAME.match(row, col)
            end_line, end = line, (word.end() if word else col + 1)
        else:  # the end is inclusive and 1-based: the same number is LSP's exclusive 0-based end
            end_line, end = max(line, d.pos.end[0] - 1), d.pos.end[1]
            if end_line == line and end <= col:
                end = col + 1
        out.append(Problem(line, col, end_line, end, severity, d.code, message))
    return out


_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_NAME_AT_START = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def occurrences(text: str, decl: Declaration) -> list[Span]:
    """Every place the file names ``decl``: in code, and for values in the Jinja of its templates.

    A state is named after ``state`` and ``goto`` only; any other name wherever it stands as a
    whole word, except after a dot (a field of something else) or after ``goto``.
    """
    masked = blank(text)
    spans: list[Span] = []
    word = re.compile(r"(?<![A-Za-z0-9_.])" + re.escape(decl.name) + r"(?![A-Za-z0-9_])")

    def before(source: str, offset: int) -> str:
        m = re.search(r"([A-Za-z_]+)\s*$", source[max(0, offset - 40):offset])
        return m.group(1) if m else ""

    for m in word.finditer(masked):
        is_state_place = before(masked, m.start()) in ("state", "goto")
        if (decl.kind == "state") != is_state_place:
            continue
        line, col = _position(masked, m.start())
        spans.append(Span(line, col, col + len(decl.name)))
    if decl.kind not in ("state", "player", "experiment", "template"):
        for block in _JINJA.finditer(text):
            if masked[block.start()] != " ":
                continue  # not inside a string or text block
            for m in word.finditer(block.group(0)):
                line, col = _position(text, block.start() + m.start())
                spans.append(Span(line, col, col + len(decl.name)))
    return sorted(set(spans), key=lambda s: (s.line, s.start))


def rename_edits(text: str, line: int, character: int, new_name: str) -> list[Span] | None:
    """The spans to replace to rename the name at a position, or None if there is nothing to rename."""
    if not _NAME_AT_START.match(new_name) or new_name in keywords():
        raise ValueError(f"'{new_name}' is not a name a game can declare")
    if new_name in function_names():
        raise ValueError(f"'{new_name}' is a function of the language; choose another name")
    found = find_declaration(text, line, character)
    if found is None:
        return None
    return occurrences(text, found[0])
