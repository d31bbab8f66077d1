"""A game as a PettingZoo AEC environment: one agent per role, text observations and actions.

Agents are the game's roles (less those given to ``partners``, played by players inside the
engine). The agent asked next is ``agent_selection``; its observation is the text it was told
since it last acted (``infos[agent]["messages"]`` is its whole chat). Rewards: what the game pays a
role (``reward ... to ROLE``) as it is paid, and the episode's ``scores.reward`` to every agent at
the end. Needs the ``pettingzoo`` extra (``pip install 'gamelang[pettingzoo]'``).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, Mapping

from pettingzoo import AECEnv

from ..machine import Machine
from ..players.base import Player, PlayerSpec
from .driver import GameDriver, load_game
from .gym import UnicodeText


class TextObservation(str):
    """A ``str`` that carries the dtype of its text space, as PettingZoo's api_test compares them."""

    dtype = UnicodeText(1).dtype


class GameAECEnv(AECEnv):
    """Every role of a gamelang game as an agent of a PettingZoo AEC environment."""

    metadata = {"render_modes": ["ansi"], "name": "gamelang_v0", "is_parallelizable": False}

    def __init__(self, game: "str | Path | Machine", partners: Mapping[str, "str | PlayerSpec | Player"] | None = None,
                 experiment: str | None = None, max_observation_chars: int = 1_000_000,
                 render_mode: str | None = None) -> None:
        super().__init__()
        machine = load_game(game)
        self.machine = machine
        self.driver = GameDriver(machine, partners=partners, experiment=experiment, label="pettingzoo")
        self.possible_agents = list(self.driver.external)
        self.metadata = {**self.metadata, "name": f"gamelang_{machine.name}_v0"}
        self.render_mode = render_mode
        self._obs_space = UnicodeText(max_observation_chars, min_length=0)
        self._act_space = UnicodeText(machine.limits.reply_chars, min_length=0)
        self._rng = random.Random()
        self._observations: dict[str, str] = {}

    def observation_space(self, agent: str) -> UnicodeText:
        return self._obs_space

    def action_space(self, agent: str) -> UnicodeText:
        return self._act_space

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None) -> None:
        if seed is not None:
            self._rng = random.Random(seed)
            for agent in self.possible_agents:
                self._act_space.seed(seed)
        options = options or {}
        instance = self.driver.instance(options.get("instance"), self._rng)
        self.driver.reset(instance, seed=self._rng.randrange(2**31))
        self.agents = list(self.possible_agents)
        self.rewards = {a: 0.0 for a in self.agents}
        self._cumulative_rewards = {a: 0.0 for a in self.agents}
        self.terminations = {a: False for a in self.agents}
        self.truncations = {a: False for a in self.agents}
        self.infos = {a: {} for a in self.agents}
        self._observations = {a: "" for a in self.agents}
        self._sync()

    def observe(self, agent: str) -> str:
        return TextObservation(self._observations.get(agent, ""))

    def step(self, action: str | None) -> None:
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        self._cumulative_rewards[agent] = 0.0
        self.driver.act("" if action is None else str(action))
        self._sync()
        self._accumulate_rewards()

    def _sync(self) -> None:
        """Observations, rewards, terminations and the next agent from the episode's state."""
        done = self.driver.done
        for agent in self.agents:
            seen = self.driver.observe(agent)
            if seen.text:
                self._observations[agent] = seen.text
            self.rewards[agent] = self.driver.partial_rewards(agent) + (self.driver.final_reward() if done else 0.0)
            self.infos[agent] = {**self.driver.info(), "messages": seen.messages}
            if done:
                self.terminations[agent] = True
        if done:
            self.agent_selection = self.agents[0]
        else:
            asked = self.driver.asked
            assert asked is not None
            self.agent_selection = asked

    def record(self) -> dict[str, Any]:
        """The finished episode's full record (docs/episodes.md)."""
        return self.driver.record()

    def render(self) -> str | None:
        if self.render_mode == "ansi":
            return self._observations.get(self.agent_selection, "")
        return None

    def close(self) -> None:
        self.driver.close()
