"""What every player implements, and how players are named on the command line.

A player answers a batch of requests at once (a local model generates them in one batch; a
server player sends them concurrently; a script answers them one by one). A request that fails
is answered with a :class:`PlayerError`, which gives that episode the outcome ``error``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from ..turns import Completion, RoleView, Sampling, TokenTurn, request_seed

class PlayerError(Exception):
    """A player could not answer (a backend failed, a replay ran out of replies, ...)."""


class PlayerSpecError(ValueError):
    """A player spec on the command line that cannot be understood."""


class _RequestSeed:
    """:attr:`Request.seed`: a whole number, given as one or as the parts of :func:`request_seed`
    (episode seed, branch, role, ask), which are hashed when the seed is first read. The rollout
    engine gives the parts: scripted players, the most common in runs and tests, never read the
    seed, and the hash was a few percent of a scripted run."""

    def __get__(self, request: "Request | None", owner: type | None = None) -> int:
        if request is None:  # read from the class: the field's default, for dataclasses
            return 0
        seed = request.__dict__["_seed"]
        if type(seed) is tuple:
            seed = request.__dict__["_seed"] = request_seed(*seed)
        return seed

    def __set__(self, request: "Request", seed: "int | tuple[int, str, str, int]") -> None:
        request.__dict__["_seed"] = seed


@dataclass
class Request:
    """One reply a player must give: a role's conversation in one episode.

    Players get what the role may see, never the running episode: the messages, a read-only
    ``view`` (for reference players), the sampling settings and the seed of this request, and the
    role's earlier turns at the token level (``history``) when its player gave tokens.

    ``seed`` may be given as the parts ``(episode_seed, branch, role, ask)`` of
    :func:`~gamelang.turns.request_seed`: it reads as that function's value.
    """

    key: tuple[str, str, str, int, str]  # (game, experiment, instance, episode, branch)
    role: str
    messages: list[dict[str, Any]]
    max_tokens: int
    seed: int = _RequestSeed()  # type: ignore[assignment] - a descriptor: reads as an int
    view: RoleView | None = None
    history: tuple[TokenTurn, ...] = ()
    sampling: Sampling = field(default_factory=Sampling)

    @property
    def previous(self) -> TokenTurn | None:
        """The role's previous turn at the token level, if its player gave tokens."""
        return self.history[-1] if self.history else None

    @property
    def role_key(self) -> tuple:
        """The episode key plus the role: where a player keeps per-conversation state."""
        return self.key + (self.role,)

    @property
    def new_messages(self) -> list[dict[str, Any]]:
        """The messages since the role's previous reply (all of them on its first turn)."""
        if self.previous is None:
            return self.messages
        return self.messages[self.previous.messages + 1:]


class Player:
    """Base class of players. Subclasses implement :meth:`respond`."""

    #: True if a person answers (runs with a human are played one episode at a time).
    interactive = False

    def __init__(self, spec: str) -> None:
        self.spec = spec

    def respond(self, requests: list[Request]) -> list[str | Completion | PlayerError]:
        """One reply per request, in order: text, a :class:`Completion`, or a PlayerError."""
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


#: Specs already parsed, by text: the scheduler asks for the spec of a role at every turn, and a
#: PlayerSpec is immutable (nothing changes its options), so one object per text serves them all.
_PARSED: dict[str, PlayerSpec] = {}
_PARSED_MAX = 256


def parse_spec(text: str) -> PlayerSpec:
    """Parse ``scripted[:NAME]``, ``human``, ``hf:PATH[?opts]``, ``openai:MODEL@URL[?opts]``, ``replay:FILE``."""
    spec = _PARSED.get(text)
    if spec is None:
        spec = _parse_spec(text)  # a bad spec raises, and is not remembered
        if len(_PARSED) < _PARSED_MAX:
            _PARSED[text] = spec
    return spec


def _parse_spec(text: str) -> PlayerSpec:
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
    "hf": {"temperature", "top_p", "max_new_tokens", "min_new_tokens", "adapter", "dtype", "device", "batch_size",
           "chat_template", "seed", "tokens", "ilql_beta"},
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
