"""Property: random mutations of the shipped games never raise anything but diagnostics.

Truncations, deleted lines, swapped tokens, renamed identifiers and stray characters are
applied to every shipped game (both forms); compiling the result must return diagnostics with
known codes and valid positions, or a machine, and never raise.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gamelang.compiler import compile_loaded
from gamelang.lang.diagnostics import CODES
from gamelang.lang.loader import load_spec_text

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "games").glob("*/*.game")) + sorted((ROOT / "games").glob("*/*.game.yaml"))
TOKEN = re.compile(r"\S+")
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def truncate(text: str, data) -> str:
    return text[: data.draw(st.integers(0, len(text)))]


def delete_lines(text: str, data) -> str:
    lines = text.split("\n")
    for _ in range(data.draw(st.integers(1, 3))):
        if lines:
            del lines[data.draw(st.integers(0, len(lines) - 1))]
    return "\n".join(lines)


def swap_tokens(text: str, data) -> str:
    spans = [m.span() for m in TOKEN.finditer(text)]
    if len(spans) < 2:
        return text
    i, j = sorted(data.draw(st.lists(st.integers(0, len(spans) - 1), min_size=2, max_size=2)))
    (a0, a1), (b0, b1) = spans[i], spans[j]
    return text[:a0] + text[b0:b1] + text[a1:b0] + text[a0:a1] + text[b1:]


def rename_identifier(text: str, data) -> str:
    spans = [m.span() for m in IDENT.finditer(text)]
    if not spans:
        return text
    s0, s1 = spans[data.draw(st.integers(0, len(spans) - 1))]
    new = data.draw(st.sampled_from(["x", "turn2", "state", "if", "describe", "len", "won", "requests", "_"]))
    return text[:s0] + new + text[s1:]


def insert_noise(text: str, data) -> str:
    pos = data.draw(st.integers(0, len(text)))
    pieces = st.sampled_from(list('{}[]()"\'/#:=,.\n\\ -|%') + ["\x00", "é", "{{", "{%", '"""', "if", "end"])
    noise = "".join(data.draw(st.lists(pieces, min_size=1, max_size=4)))
    return text[:pos] + noise + text[pos:]


MUTATIONS = [truncate, delete_lines, swap_tokens, rename_identifier, insert_noise]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_mutated_games_give_diagnostics_not_exceptions(source: Path, data):
    text = source.read_text()
    for _ in range(data.draw(st.integers(1, 3))):
        text = data.draw(st.sampled_from(MUTATIONS))(text, data)
    # loaded with the game's own folder as base, so that relative files resolve as in the original
    loaded = load_spec_text(text, str(source), path=source)
    result = compile_loaded(loaded)
    lines = text.split("\n")
    for d in result.diagnostics:
        assert d.code in CODES
        assert d.message
        assert d.pos.line >= 1 and d.pos.column >= 1
        if d.path == str(source) and d.code not in ("GL0004", "GL0005"):
            assert d.pos.line <= len(lines) + 1
    if result.machine is None:
        assert any(d.is_error for d in result.diagnostics)
