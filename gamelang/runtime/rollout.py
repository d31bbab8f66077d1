"""The rollout engine: play many live episodes, fresh or forked, in rounds through batched players.

This is the public piece a trainer or a search uses (docs/rollouts.md). Each round, the pending
request of every live episode goes to its role's player, grouped by player, so a local model
answers all of them in one batched call. Episodes may start fresh (:class:`EpisodeJob`) or be any
:class:`~gamelang.runtime.episode.GameEnv` already under way, such as a fork. For a chosen role,
:func:`token_stream` turns an episode's token-level turns into what a policy-gradient trainer needs:
prompt ids, completion ids, a mask of the ids the role's model sampled, and their log-probabilities.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Mapping

from ..instances import Instance
from ..machine import Machine
from ..players.base import Player, PlayerError, PlayerSpec, Request, make_player, parse_spec
from ..turns import Completion, Sampling
from .episode import GameEnv
from .state import EpisodeState


@dataclass(frozen=True)
class EpisodeJob:
    """One fresh episode to play: a game, an instance, its number and seed."""

    machine: Machine
    instance: Instance
    episode: int
    seed: int

    @property
    def key(self) -> tuple[str, str, str, int, str]:
        """(game, experiment, instance, episode, branch): unique within a run (a fresh episode is the root branch)."""
        return (self.machine.name, self.instance.experiment, self.instance.id, self.episode, "")


def episode_seed(run_seed: int, key: tuple) -> int:
    """A stable per-episode seed, so that a resumed run plays what an uninterrupted one would."""
    digest = hashlib.sha256(f"{run_seed}:{':'.join(map(str, key[:4]))}".encode()).digest()
    return int.from_bytes(digest[:4], "big")  # the first 8 hex digits, without writing them out


class Assignment:
    """Which player plays which role: per-role specs or player objects, a default, scripted otherwise.

    Players are created once per spec and shared, so one model serves every role and game it
    plays (self-play) and gets all their requests in one batch. A trainer may pass ready
    :class:`~gamelang.players.base.Player` objects (e.g. a token-level player over its own model).
    """

    def __init__(self, roles: Mapping[str, PlayerSpec | Player] | None = None,
                 default: PlayerSpec | Player | None = None) -> None:
        self.roles = dict(roles or {})
        self.default = default
        self.players: dict[str, Player] = {}

    def _choice(self, role: str) -> PlayerSpec | Player:
        return self.roles.get(role) or self.default or parse_spec("scripted")

    def spec_for(self, role: str) -> PlayerSpec:
        """The spec of the player for ``role`` (a ready player's own spec text)."""
        choice = self._choice(role)
        if isinstance(choice, Player):
            return PlayerSpec("object", text=choice.spec)
        return choice

    def player_for(self, role: str) -> Player:
        """The (shared) player for ``role``, created on first use."""
        choice = self._choice(role)
        if isinstance(choice, Player):
            return choice
        if choice.text not in self.players:
            self.players[choice.text] = make_player(choice)
        return self.players[choice.text]

    def prepare(self, machines: list[Machine]) -> None:
        """Create every player the games need now, so a bad spec or model fails before the run."""
        for machine in machines:
            for role in machine.roles:
                self.player_for(role)

    def describe(self, machine: Machine) -> dict[str, str]:
        """role -> player spec, for the episode record."""
        return {role: self.spec_for(role).text or "scripted" for role in machine.roles}

    @property
    def interactive(self) -> bool:
        """Whether a person plays some role."""
        choices = list(self.roles.values()) + ([self.default] if self.default is not None else [])
        return any(c.interactive if isinstance(c, Player) else c.kind == "human" for c in choices)

    def close(self) -> None:
        """Release every player this assignment created."""
        for p in self.players.values():
            p.close()


@dataclass
class TokenStream:
    """One role's whole episode at the token level, ready for a policy-gradient trainer.

    ``prompt_ids`` is the role's first prompt; ``completion_ids`` everything after it: the ids its
    model sampled (``mask`` 1) and the chat-template deltas carrying the game's and other roles'
    messages (``mask`` 0). ``logprobs`` has one value per completion id (0.0 where masked).
    ``complete`` is False when some turn was re-tokenised instead of extended; then the stream
    starts at the last such turn.
    """

    role: str
    prompt_ids: list[int]
    completion_ids: list[int]
    mask: list[int]
    logprobs: list[float]
    turns: int
    complete: bool = True


def token_stream(state: EpisodeState, role: str) -> TokenStream | None:
    """The token stream of ``role`` in an episode, or None if its player gave no tokens."""
    turns = [t for t in state.tokens if t.role == role]
    if not turns:
        return None
    complete = all(t.extends for t in turns[1:])
    start = max((i for i, t in enumerate(turns) if not t.extends), default=0)
    turns = turns[start:]
    prompt = list(turns[0].prompt_ids)
    ids: list[int] = []
    mask: list[int] = []
    logprobs: list[float] = []
    for k, turn in enumerate(turns):
        if k:
            ids += turn.prompt_ids
            mask += [0] * len(turn.prompt_ids)
            logprobs += [0.0] * len(turn.prompt_ids)
        ids += turn.token_ids
        mask += [1] * len(turn.token_ids)
        logprobs += list(turn.logprobs) if turn.logprobs is not None else [0.0] * len(turn.token_ids)
    return TokenStream(role, prompt, ids, mask, logprobs, len(turns), complete)


@dataclass
class Rollout:
    """A finished episode: its env (state, fork lineage), its record, and the learner's tokens."""

    env: GameEnv
    record: dict
    tokens: TokenStream | None = None


#: The sampling of a role without overrides (a frozen dataclass: one object serves every request).
_NO_SAMPLING = Sampling()


@dataclass
class RolloutEngine:
    """Plays episodes in rounds through batched players.

    ``sampling`` gives per-role sampling settings that override the players' own (e.g. a learner
    at temperature 1 against a greedy partner on the same loaded model). ``on_event`` sees every
    event of every episode as ``(env, event)``.
    """

    assignment: Assignment
    sampling: Mapping[str, Sampling] = field(default_factory=dict)
    on_event: Callable[[GameEnv, dict], None] | None = None

    def start(self, job: EpisodeJob) -> GameEnv:
        """A fresh episode, run to its first request (or its end)."""
        env = self._new_env(job.machine)
        try:
            env.reset(job.instance, job.seed, job.episode, self.assignment.describe(job.machine))
        except Exception as err:
            _internal_error(env, err)
        return env

    def play_round(self, envs: list[GameEnv]) -> None:
        """Answer the pending request of every live episode once (one batched call per player)."""
        groups: dict[int, tuple[Player, list[GameEnv]]] = {}
        by_role: dict[str, Player] = {}  # a role's player is the same object all round: look it up once
        for env in envs:
            state = env.state
            if state is None or state.done:
                continue
            role = state.waiting_for
            assert role is not None
            player = by_role.get(role)
            if player is None:
                try:
                    player = self.assignment.player_for(role)
                except Exception as err:  # a player that cannot even be created fails its episodes, not the run
                    player = _Failing(f"cannot create player {self.assignment.spec_for(role).text}: {err}")
                by_role[role] = player
            group = groups.get(id(player))
            if group is None:
                group = groups[id(player)] = (player, [])
            group[1].append(env)
        for player, members in groups.values():
            requests = [self.request(env) for env in members]
            try:
                replies = player.respond(requests)
                if len(replies) != len(requests):
                    raise RuntimeError(f"answered {len(replies)} of {len(requests)} requests")
            except Exception as err:  # the whole backend failed: these episodes end with the outcome error
                replies = [PlayerError(f"{player.spec}: {type(err).__name__}: {err}")] * len(requests)
            for env, reply in zip(members, replies, strict=True):
                if isinstance(reply, (str, Completion)):
                    try:
                        env.feed(reply)  # step() without the Turn: the next request is built here
                    except Exception as err:
                        _internal_error(env, err)
                else:
                    env.fail(f"player {player.spec}: {reply}")

    def request(self, env: GameEnv) -> Request:
        """The request of an episode's pending turn, as its player sees it."""
        state = env.state
        assert state is not None and state.waiting_for is not None
        role = state.waiting_for
        # positional (the order of Request's fields): a dataclass call with keywords costs more
        return Request(state.key, role, list(map(dict.copy, env.messages_of(role))), env.machine.limits.reply_tokens,
                       (state.seed, state.branch, role, state.asks[role]), env.view(role),  # the seed, hashed if read
                       env.token_turns(role) if state.tokens else (),  # no player gave tokens: nothing to look at
                       self.sampling.get(role, _NO_SAMPLING))

    def play(self, episodes: Iterable[EpisodeJob | GameEnv], learner: str | None = None, concurrency: int = 64,
             on_done: Callable[[Rollout], None] | None = None, keep: bool = True) -> list[Rollout]:
        """Play every episode to its end, ``concurrency`` at a time; return them in order of finishing.

        With ``learner``, each result carries that role's :class:`TokenStream`. ``on_done`` is
        called as each episode ends (a run folder appends its record there). ``keep=False``
        returns an empty list: each finished episode is let go after ``on_done``, so a long run
        does not hold every episode in memory to its end.
        """
        pending: Iterator[EpisodeJob | GameEnv] = iter(episodes)
        live: list[GameEnv] = []
        finished: list[Rollout] = []
        exhausted = False
        most = max(1, concurrency)

        def finish(env: GameEnv) -> None:
            rollout = Rollout(env, env.record(), token_stream(env.state, learner) if learner else None)
            if keep:
                finished.append(rollout)
            if on_done is not None:
                on_done(rollout)

        while True:
            while not exhausted and len(live) < most:
                item = next(pending, None)
                if item is None:
                    exhausted = True
                    break
                env = item if isinstance(item, GameEnv) else self.start(item)
                if env.done:
                    finish(env)
                else:
                    live.append(env)
            if not live:
                return finished
            self.play_round(live)
            still = []
            for env in live:
                if env.done:
                    finish(env)
                else:
                    still.append(env)
            live = still

    def _new_env(self, machine: Machine) -> GameEnv:
        if self.on_event is None:
            return GameEnv(machine)
        holder: list[GameEnv] = []
        env = GameEnv(machine, on_event=lambda event: self.on_event(holder[0], event))  # type: ignore[misc]
        holder.append(env)
        return env


def _internal_error(env: GameEnv, err: Exception) -> None:
    """A bug anywhere in an env action becomes the episode's error outcome, not a crashed run."""
    env.fail(f"internal error: {type(err).__name__}: {err}")


class _Failing(Player):
    def __init__(self, message: str) -> None:
        super().__init__("unavailable")
        self.message = message

    def respond(self, requests: list[Request]) -> list[PlayerError]:
        return [PlayerError(self.message)] * len(requests)
