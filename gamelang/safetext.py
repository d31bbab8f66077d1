"""Text from players made safe where it enters gamelang and where it reaches a terminal.

Replies come from models, servers, replay files and people, so they can hold anything a Python
string can: lone surrogates (which cannot be written as UTF-8, so one of them would stop a log
writer) and terminal control sequences (ANSI colours, OSC titles and hyperlinks, cursor moves).
:func:`replace_surrogates` is applied at the boundary (``GameEnv.step``, the run-folder writer);
:func:`visible` is applied to whatever is printed to a terminal.
"""

from __future__ import annotations

REPLACEMENT = "\ufffd"

# Every control character except newline and tab, shown as a visible escape: C0, DEL and C1.
# (str.translate is linear in the text; no regex is needed.)
_CONTROLS = {c: f"\\x{c:02x}" for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)] if chr(c) not in "\n\t"}
# Unicode format characters that reorder or hide text on a terminal (bidi overrides and isolates).
_CONTROLS.update({c: f"\\u{c:04x}" for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]})


def replace_surrogates(text: str) -> tuple[str, int]:
    """``text`` with every lone surrogate replaced by U+FFFD, and how many were replaced.

    A well-formed pair of surrogates (which a decoder may leave as two code points) becomes the
    character it encodes, so only text that could not be written as UTF-8 changes.
    """
    if text.isascii():  # the common case, checked without building the encoded bytes
        return text, 0
    try:
        text.encode("utf-8")
        return text, 0
    except UnicodeEncodeError:
        pass
    fixed = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return fixed, fixed.count(REPLACEMENT) - text.count(REPLACEMENT)


def safe_text(text: str) -> str:
    """``text`` that can always be encoded as UTF-8 (lone surrogates replaced)."""
    return replace_surrogates(text)[0]


def visible(text: str) -> str:
    """``text`` for a terminal: control characters (ESC, BEL, CR, ...) shown as ``\\xNN`` escapes.

    Newlines and tabs are kept. The result cannot move the cursor, change colours, set the window
    title, make hyperlinks or overwrite a line, and it is safe to encode.
    """
    return safe_text(text).translate(_CONTROLS)
