"""Players: scripted reference players, a person at the terminal, local transformers models,
OpenAI-compatible servers, and replays of logged replies."""

from .base import (
    Player,
    PlayerError,
    PlayerSpec,
    PlayerSpecError,
    Request,
    make_player,
    parse_spec,
)

__all__ = ["Player", "PlayerError", "PlayerSpec", "PlayerSpecError", "Request", "make_player", "parse_spec"]
