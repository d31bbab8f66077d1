"""What every adapter shares: a game whose chosen roles are played from outside, the rest by players.

A :class:`GameDriver` holds a compiled game, its instances and a rollout engine whose assignment
plays the *partner* roles (player specs such as ``scripted`` or ``openai:M@URL``, or ready
players). The *external* roles are the ones an outside agent plays: after ``reset`` and after each
``act``, the partners' turns are played until an external role is asked or the episode ends.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ..instances import Instance, load_instances
from ..machine import Machine
from ..players.base import Player, PlayerError, PlayerSpec, Request, parse_spec
from ..runtime.episode import GameEnv
from ..runtime.rollout import Assignment, EpisodeJob, RolloutEngine


class EnvError(ValueError):
    """A bad game, role, partner or instance for an environment."""


class _External(Player):
    """Stands for a role an outside agent plays: the driver never asks it."""

    def __init__(self, label: str) -> None:
        super().__init__(label)

    def respond(self, requests: list[Request]) -> list[PlayerError]:
        return [PlayerError("this role is played from outside the engine")] * len(requests)


def load_game(game: "str | Path | Machine") -> Machine:
    """A compiled game from a Machine, a game file, or the name of a shipped game."""
    if isinstance(game, Machine):
        return game
    from ..compiler import compile_file
    from ..registry import resolve_game

    result = compile_file(resolve_game(str(game)))
    if result.machine is None:
        raise EnvError(f"{game} is not a valid game:\n{result.render()}")
    return result.machine


@dataclass
class Observation:
    """What an external role sees when it is asked: the new text and its whole chat so far."""

    text: str
    messages: list[dict[str, Any]]


class GameDriver:
    """A game with ``external`` roles played from outside and the other roles played by ``partners``."""

    def __init__(self, game: "str | Path | Machine", external: list[str] | None = None,
                 partners: Mapping[str, "str | PlayerSpec | Player"] | None = None,
                 default: "str | PlayerSpec | Player | None" = None, experiment: str | None = None,
                 instances: list[Instance] | None = None, label: str = "external") -> None:
        self.machine = load_game(game)
        roles = list(self.machine.roles)
        partners = dict(partners or {})
        for role in partners:
            if role not in roles:
                raise EnvError(f"game '{self.machine.name}' has no role '{role}' (roles: {', '.join(roles)})")
        self.external = list(external) if external is not None else [r for r in roles if r not in partners]
        for role in self.external:
            if role not in roles:
                raise EnvError(f"game '{self.machine.name}' has no role '{role}' (roles: {', '.join(roles)})")
            if role in partners:
                raise EnvError(f"role '{role}' is played from outside and by a partner at once")
        if not self.external:
            raise EnvError("no role is left to play from outside")
        choices: dict[str, PlayerSpec | Player] = {r: _spec(p) for r, p in partners.items()}
        for role in self.external:
            choices[role] = _External(label)
        for role in roles:
            if role not in choices and default is None:
                if self.machine.reference_player(role) is None:
                    raise EnvError(f"role '{role}' needs a partner: game '{self.machine.name}' has no reference "
                                   "player for it")
        self.engine = RolloutEngine(Assignment(choices, _spec(default) if default is not None else None))
        pool = instances if instances is not None else load_instances(self.machine)
        if experiment is not None:
            pool = [i for i in pool if i.experiment == experiment]
        if not pool:
            raise EnvError(f"game '{self.machine.name}' has no instance" + (f" of experiment '{experiment}'"
                                                                             if experiment else ""))
        self.instances = pool
        self.env: GameEnv | None = None
        self.episodes = 0
        self._seen: dict[str, int] = {}
        self._paid: dict[str, int] = {}

    # ---------------------------------------------------------------- episode
    def instance(self, instance_id: str | None = None, rng: random.Random | None = None,
                 index: int | None = None, experiment: str | None = None) -> Instance:
        """An instance by id (within ``experiment`` when given), by index, or drawn with ``rng``."""
        if instance_id is not None:
            found = [i for i in self.instances if str(i.id) == str(instance_id)
                     and (experiment is None or i.experiment == experiment)]
            if not found:
                raise EnvError(f"game '{self.machine.name}' has no instance '{instance_id}'")
            return found[0]
        if index is not None:
            return self.instances[index % len(self.instances)]
        return (rng or random).choice(self.instances)

    def reset(self, instance: Instance, seed: int = 0) -> None:
        """Start an episode and play the partners until an external role is asked (or the end)."""
        job = EpisodeJob(self.machine, instance, self.episodes, seed)
        self.episodes += 1
        self._seen = {r: 0 for r in self.machine.roles}
        self._paid = {r: 0 for r in self.machine.roles}
        self.env = self.engine.start(job)
        self._advance()

    def act(self, text: str) -> None:
        """The reply of the external role that is asked; then the partners play on."""
        env = self._live()
        role = env.waiting_for
        if role is None or role not in self.external:
            raise RuntimeError("act() called when no external role is asked")
        try:
            env.step(str(text))
        except Exception as err:  # a bug must end the episode, not the trainer
            env.fail(f"internal error: {type(err).__name__}: {err}")
        self._advance()

    def _advance(self) -> None:
        env = self._live()
        while not env.done and env.waiting_for not in self.external:
            self.engine.play_round([env])

    def _live(self) -> GameEnv:
        if self.env is None:
            raise RuntimeError("reset() the environment first")
        return self.env

    # ---------------------------------------------------------------- views
    @property
    def done(self) -> bool:
        return self._live().done

    @property
    def asked(self) -> str | None:
        """The external role asked now (None once the episode is over)."""
        env = self._live()
        return None if env.done else env.waiting_for

    def observe(self, role: str, consume: bool = True) -> Observation:
        """What ``role`` was told since it last observed, and its whole chat."""
        env = self._live()
        history = [dict(m) for m in env.histories.get(role, [])]
        start = self._seen.get(role, 0)
        new = [m for m in history[start:] if m.get("role") != "assistant"]
        if consume:
            self._seen[role] = len(history)
        return Observation("\n\n".join(str(m.get("content") or "") for m in new), history)

    def partial_rewards(self, role: str) -> float:
        """The rewards paid to ``role`` since this was last asked for it."""
        state = self._live().state
        assert state is not None
        paid = [r for r in state.rewards if r.get("role") == role]
        new = paid[self._paid.get(role, 0):]
        self._paid[role] = len(paid)
        return float(sum(float(r["value"]) for r in new))

    def final_reward(self) -> float:
        scores = self._live().scores or {}
        value = scores.get("reward")
        return float(value) if isinstance(value, (int, float)) else 0.0

    def info(self) -> dict[str, Any]:
        env = self._live()
        info: dict[str, Any] = {"game": self.machine.name, "experiment": env.instance.experiment,
                                "instance": env.instance.id, "role": self.asked}
        if env.done:
            info.update(outcome=env.outcome, reason=env.reason, scores=env.scores)
        return info

    def record(self) -> dict[str, Any]:
        """The episode's record (docs/episodes.md), once it is done."""
        return self._live().record()

    def close(self) -> None:
        self.engine.assignment.close()


def _spec(choice: "str | PlayerSpec | Player") -> "PlayerSpec | Player":
    return parse_spec(choice) if isinstance(choice, str) else choice
