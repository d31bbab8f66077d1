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
