"""Shared fixtures and helpers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GAMES = ROOT / "games"


@pytest.fixture
def games_dir() -> Path:
    """The shipped games."""
    return GAMES


def gamelang_cmd() -> list[str]:
    """The command line that runs gamelang in a subprocess with this interpreter."""
    return [sys.executable, "-m", "gamelang"]


def compile_text(text: str, folder: Path, name: str = "g.game"):
    """Compile a game from text in ``folder``; fail the test with the diagnostics if invalid."""
    from gamelang.compiler import compile_loaded
    from gamelang.lang.loader import load_spec_text

    path = folder / name
    path.write_text(text)
    result = compile_loaded(load_spec_text(text, str(path), path=path))
    assert result.ok, result.render()
    return result.machine


def play(machine, replies: list[str], data: dict | None = None, seed: int = 0):
    """Play one episode of ``machine`` with the given replies (whoever is asked); return the env."""
    from gamelang.instances import make_instance
    from tests.helpers.episodes import play_replies

    return play_replies(machine, make_instance(machine, data or {}, 0), replies, seed)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A tiny random Llama model and tokenizer, built locally once per test session."""
    from gamelang.testing import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))
