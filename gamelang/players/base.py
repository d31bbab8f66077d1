"""What every player implements, and how players are named on the command line.

A player answers a batch of requests at once (a local model generates them in one batch; a
server player sends them concurrently; a script answers them one by one). A request that fails
is answered with a :class:`PlayerError`, which gives that episode the outcome ``error``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

if TYPE_CHECKING:
    from ..runtime.episode import GameEnv


class PlayerError(Exception):
    """A player could not answer (a backend failed, a replay ran out of replies, ...)."""


class PlayerSpecError(ValueError):
    """A player spec on the command line that cannot be understood."""


@dataclass
class Request:
    """One reply a player must give: a role's conversation in one episode."""

    env: "GameEnv"
    role: str
    messages: list[dict[str, str]]
    max_tokens: int

    @property
    def key(self) -> tuple:
        """(game, experiment, instance, episode, role): identifies where the request comes from."""
        inst = self.env.instance
        assert inst is not None
        return (self.env.machine.name, inst.experiment, inst.id, self.env.episode_index, self.role)


class Player:
    """Base class of players. Subclasses implement :meth:`respond`."""

    #: True if a person answers (runs with a human are played one episode at a time).
    interactive = False

    def __init__(self, spec: str) -> None:
        self.spec = spec

    def respond(self, requests: list[Request]) -> list[str | PlayerError]:
        """One reply (or a PlayerError) per request, in order."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what the player holds (models, connections)."""


@dataclass(frozen=True)
class PlayerSpec:
    """A parsed player spec: ``kind:target?option=value&...``."""

    kind: str
    target: str = ""
    options: dict[str, str] = field(default_factory=dict)
    text: str = ""

    def option(self, name: str, default: Any, cast=str) -> Any:
        """An option converted with ``cast``, or ``default``; a bad value is a PlayerSpecError."""
        if name not in self.options:
            return default
        try:
            return cast(self.options[name])
        except ValueError:
            raise PlayerSpecError(f"player option {name}={self.options[name]!r} is not a valid "
                                  f"{getattr(cast, '__name__', 'value')}") from None


KINDS = ("scripted", "human", "hf", "openai", "replay")


def parse_spec(text: str) -> PlayerSpec:
    """Parse ``scripted[:NAME]``, ``human``, ``hf:PATH[?opts]``, ``openai:MODEL@URL[?opts]``, ``replay:FILE``."""
    kind, _, rest = text.partition(":")
    if kind not in KINDS:
        raise PlayerSpecError(f"unknown player '{text}': a player is one of scripted[:NAME], human, hf:PATH, "
                              "openai:MODEL@BASE_URL, replay:FILE")
    target, _, query = rest.partition("?")
    options = dict(parse_qsl(query, keep_blank_values=True)) if query else {}
    if kind in ("hf", "replay") and not target:
        raise PlayerSpecError(f"'{kind}:' needs a {'model path or id' if kind == 'hf' else 'file'}: {kind}:...")
    if kind == "openai" and "@" not in target:
        raise PlayerSpecError("an OpenAI-compatible player is written openai:MODEL@BASE_URL, "
                              "e.g. openai:llama3@http://localhost:8000/v1")
    if kind == "human" and target:
        raise PlayerSpecError("'human' takes no argument")
    known = KNOWN_OPTIONS.get(kind, set())
    unknown = set(options) - known
    if unknown:
        raise PlayerSpecError(f"unknown option(s) for {kind}: {', '.join(sorted(unknown))}; "
                              f"known: {', '.join(sorted(known)) or 'none'}")
    return PlayerSpec(kind, target, options, text)


KNOWN_OPTIONS = {
    "hf": {"temperature", "top_p", "max_new_tokens", "min_new_tokens", "adapter", "dtype", "device", "batch_size", "chat_template",
           "seed"},
    "openai": {"temperature", "top_p", "max_tokens", "timeout", "retries", "concurrency", "api_key_env"},
}


def make_player(spec: PlayerSpec) -> Player:
    """Create the player a spec names (heavy libraries load only for the kinds that need them)."""
    if spec.kind == "scripted":
        from .scripted import ScriptedPlayer

        return ScriptedPlayer(spec)
    if spec.kind == "human":
        from .human import HumanPlayer

        return HumanPlayer(spec)
    if spec.kind == "hf":
        from .hf import HFPlayer

        return HFPlayer(spec)
    if spec.kind == "openai":
        from .openai_compat import OpenAIPlayer

        return OpenAIPlayer(spec)
    from .replay import ReplayPlayer

    return ReplayPlayer(spec)
