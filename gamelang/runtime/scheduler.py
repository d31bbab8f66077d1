"""Running many episodes at once.

Up to ``concurrency`` episodes are live at a time. Each round, the pending request of every live
episode goes to its player, grouped by player: a local model receives all of its requests in one
call and generates them as one batch, a server player sends them concurrently, a script answers
them one by one. A finished episode is handed to ``on_record`` at once (the run folder appends it
to disk), and a new episode takes its place.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from ..instances import Instance
from ..machine import Machine
from ..players.base import (
    Player,
    PlayerError,
    PlayerSpec,
    Request,
    make_player,
    parse_spec,
)
from .episode import GameEnv, Turn


@dataclass(frozen=True)
class EpisodeJob:
    """One episode to play: a game, an instance, its number and seed."""

    machine: Machine
    instance: Instance
    episode: int
    seed: int

    @property
    def key(self) -> tuple[str, str, str, int]:
        """(game, experiment, instance, episode): unique within a run."""
        return (self.machine.name, self.instance.experiment, self.instance.id, self.episode)


def episode_seed(run_seed: int, key: tuple) -> int:
    """A stable per-episode seed, so that a resumed run plays what an uninterrupted one would."""
    digest = hashlib.sha256(f"{run_seed}:{':'.join(map(str, key))}".encode()).hexdigest()
    return int(digest[:8], 16)


class Assignment:
    """Which player plays which role: per-role specs, a default for the rest, scripted otherwise.

    Players are created once per spec and shared, so one model serves every role and game it
    plays (self-play) and gets all their requests in one batch.
    """

    def __init__(self, roles: dict[str, PlayerSpec] | None = None, default: PlayerSpec | None = None) -> None:
        self.roles = dict(roles or {})
        self.default = default
        self.players: dict[str, Player] = {}

    def spec_for(self, role: str) -> PlayerSpec:
        """The spec of the player for ``role``."""
        return self.roles.get(role) or self.default or parse_spec("scripted")

    def player_for(self, role: str) -> Player:
        """The (shared) player for ``role``, created on first use."""
        spec = self.spec_for(role)
        if spec.text not in self.players:
            self.players[spec.text] = make_player(spec)
        return self.players[spec.text]

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
        return any(s.kind == "human" for s in list(self.roles.values()) + [self.default] if s is not None)

    def close(self) -> None:
        """Release every player."""
        for p in self.players.values():
            p.close()


def run_jobs(jobs: Iterable[EpisodeJob], assignment: Assignment, concurrency: int,
             on_record: Callable[[dict], None], on_event: Callable[[GameEnv, dict], None] | None = None) -> int:
    """Play every job; return how many episodes were recorded."""
    pending: Iterator[EpisodeJob] = iter(jobs)
    live: list[tuple[GameEnv, Turn]] = []
    recorded = 0
    exhausted = False
    while True:
        while not exhausted and len(live) < max(1, concurrency):
            job = next(pending, None)
            if job is None:
                exhausted = True
                break
            env = _new_env(job, on_event)
            turn = _guard(env, lambda env=env, job=job: env.reset(job.instance, job.seed, job.episode,
                                                                  assignment.describe(job.machine)))
            if turn.done:
                on_record(env.record())
                recorded += 1
            else:
                live.append((env, turn))
        if not live:
            return recorded
        results = _play_round(live, assignment)
        still: list[tuple[GameEnv, Turn]] = []
        for (env, _), turn in zip(live, results, strict=True):
            if turn.done:
                on_record(env.record())
                recorded += 1
            else:
                still.append((env, turn))
        live = still


def _new_env(job: EpisodeJob, on_event: Callable[[GameEnv, dict], None] | None) -> GameEnv:
    if on_event is None:
        return GameEnv(job.machine)
    holder: list[GameEnv] = []
    env = GameEnv(job.machine, on_event=lambda event: on_event(holder[0], event))
    holder.append(env)
    return env


def _play_round(live: list[tuple[GameEnv, Turn]], assignment: Assignment) -> list[Turn]:
    """Answer the pending request of every live episode; return each episode's next turn."""
    groups: dict[int, tuple[Player, list[int]]] = {}
    for i, (_, turn) in enumerate(live):
        assert turn.role is not None
        try:
            player = assignment.player_for(turn.role)
        except Exception as err:  # a player that cannot even be created fails its episodes, not the run
            player = _Failing(f"cannot create player {assignment.spec_for(turn.role).text}: {err}")
        groups.setdefault(id(player), (player, []))[1].append(i)
    results: list[Turn | None] = [None] * len(live)
    for player, indices in groups.values():
        requests = [Request(live[i][0], live[i][1].role or "", live[i][1].messages,
                            live[i][0].machine.limits.reply_tokens) for i in indices]
        try:
            replies = player.respond(requests)
            if len(replies) != len(requests):
                raise RuntimeError(f"answered {len(replies)} of {len(requests)} requests")
        except Exception as err:  # the whole backend failed: these episodes end with the outcome error
            replies = [PlayerError(f"{player.spec}: {type(err).__name__}: {err}")] * len(requests)
        for i, reply in zip(indices, replies, strict=True):
            env = live[i][0]
            if isinstance(reply, str):
                results[i] = _guard(env, lambda env=env, reply=reply: env.step(reply))
            else:
                results[i] = env.fail(f"player {player.spec}: {reply}")
    assert all(r is not None for r in results), "every live episode belongs to one player's group"
    return results  # type: ignore[return-value]


def _guard(env: GameEnv, action: Callable[[], Turn]) -> Turn:
    """Run an env action; a bug anywhere becomes the episode's error outcome, not a crashed run."""
    try:
        return action()
    except Exception as err:
        return env.fail(f"internal error: {type(err).__name__}: {err}")


class _Failing(Player):
    def __init__(self, message: str) -> None:
        super().__init__("unavailable")
        self.message = message

    def respond(self, requests: list[Request]) -> list[str | PlayerError]:
        return [PlayerError(self.message)] * len(requests)
