"""Scripted players: the reference players a game declares (`player NAME for ROLE { reply ... }`)."""

from __future__ import annotations

from ..lang.templates import RenderError
from .base import Player, PlayerError, PlayerSpec, Request


class ScriptedPlayer(Player):
    """Answers with the game's reference player for the role (``scripted``) or a named one (``scripted:NAME``)."""

    def __init__(self, spec: PlayerSpec) -> None:
        super().__init__(spec.text or "scripted")
        self.name = spec.target or None

    def respond(self, requests: list[Request]) -> list[str | PlayerError]:
        return [self._one(r) for r in requests]

    def _one(self, request: Request) -> str | PlayerError:
        view = request.view
        player = view.reference_player(self.name) if view is not None else None
        if player is None:
            which = f"named '{self.name}' " if self.name else ""
            game = view.game if view is not None else request.key[0]
            return PlayerError(f"game '{game}' has no scripted player {which}for role '{request.role}'")
        try:
            return player.reply.render(view.context()).strip()
        except RenderError as err:
            return PlayerError(f"scripted player '{player.name}' failed: {err}")
