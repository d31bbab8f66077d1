"""The turn protocol between episodes and players: what a player is asked, and what it answers.

A :class:`~gamelang.players.base.Request` carries a role's conversation, its sampling settings and
a seed derived from the episode's seed, and, for players that work on tokens, the role's previous
turn as a :class:`TokenTurn`, so that the next prompt extends the ids that were sampled instead of
re-tokenising the whole chat. A player answers with text, or with a :class:`Completion` that keeps
the sampled ids, their log-probabilities and why generation stopped; the game then parses exactly
the completion's text. Neither the runtime nor the players import each other: both use this module.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Mapping


@dataclass(frozen=True)
class Sampling:
    """Sampling settings a request may carry; ``None`` keeps the player's own setting."""

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None


@dataclass(frozen=True)
class Completion:
    """A reply at the token level (fields a backend cannot give stay ``None``).

    ``text`` is what the game parses: the decoded ``token_ids`` without the end-of-turn token.
    ``prompt_ids`` are the ids given to the model before sampling: the whole prompt, or, when
    ``extends`` is true, only the chat-template delta after the role's previous turn.
    ``finish_reason`` is ``stop`` (the end-of-turn token was sampled) or ``length`` (the token
    budget ran out). ``owner`` names the tokenizer the ids belong to.
    """

    text: str
    token_ids: tuple[int, ...] | None = None
    logprobs: tuple[float, ...] | None = None
    finish_reason: str | None = None
    prompt_ids: tuple[int, ...] | None = None
    prompt_text: str | None = None
    extends: bool = False
    owner: str = ""


@dataclass(frozen=True)
class TokenTurn:
    """One reply of a role at the token level, as kept in the episode state.

    ``messages`` is how many messages the role's conversation held when it was asked, so the
    messages new since this turn are ``conversation[messages + 1:]``.
    """

    role: str
    owner: str
    prompt_ids: tuple[int, ...]
    token_ids: tuple[int, ...]
    logprobs: tuple[float, ...] | None
    prompt_text: str
    text: str
    finish_reason: str | None
    messages: int
    extends: bool


class RoleView:
    """What a player may see of an episode besides its messages: read-only, and only for this request.

    Reference players (scripted) know everything: they read :meth:`context`. Model players need
    only the messages.
    """

    def __init__(self, game: str, role: str, reference: Callable[[str | None], Any],
                 context: Callable[[], dict[str, Any]], tools: tuple[dict[str, Any], ...] = ()) -> None:
        self.game, self.role = game, role
        self._reference, self._context = reference, context
        #: The tools this role may call, as ``{name, description, parameters}`` (a JSON schema): a
        #: player with native tool calling offers them to its model (a chat template's ``tools``).
        self.tools = tools

    def reference_player(self, name: str | None = None) -> Any:
        """The game's scripted player for this role (the one called ``name``), or None."""
        return self._reference(name)

    def context(self) -> Mapping[str, Any]:
        """Everything a reference player's reply template may read (read-only)."""
        return MappingProxyType(self._context())


def request_seed(episode_seed: int, branch: str, role: str, ask: int) -> int:
    """The seed of one request: the same for the same episode, branch, role and ask number.

    It depends on nothing else (not the batch, not the order of episodes), so a resumed or
    re-batched run samples the same replies, and sibling branches sample different ones.
    """
    digest = hashlib.blake2b(f"{episode_seed}:{branch}:{role}:{ask}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & 0x7FFF_FFFF_FFFF_FFFF
