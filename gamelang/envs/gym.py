"""A game as a ``gymnasium.Env``: one learner role, text observations and text actions.

The other roles are played by partners (player specs: ``scripted`` by default, the game's
reference players; ``openai:MODEL@URL``, ``hf:PATH``, a ready ``Player``). The observation is the
text the learner was told since its last action; ``info["messages"]`` holds its whole chat, ready
for a chat template. The reward of a step is what the game paid the learner since its previous
step (``reward ... to ROLE``), and the last step adds the episode's ``scores.reward``; the last
step's info holds ``outcome``, ``reason`` and ``scores``, and ``env.unwrapped.record()`` the whole record.
Needs the ``gym`` extra (``pip install 'gamelang[gym]'``).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, Mapping

import gymnasium
from gymnasium import spaces

from ..machine import Machine
from ..players.base import Player, PlayerSpec
from .driver import GameDriver


class UnicodeText(spaces.Text):
    """A text space that holds any string up to ``max_length`` characters (any Unicode character).

    ``sample()`` draws from the space's character set, as :class:`gymnasium.spaces.Text` does.
    """

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and self.min_length <= len(x) <= self.max_length

    def __repr__(self) -> str:
        return f"UnicodeText({self.min_length}, {self.max_length})"


class GameGymEnv(gymnasium.Env):
    """One role of a gamelang game as a Gymnasium environment (observations and actions are text)."""

    metadata = {"render_modes": ["ansi"]}

    def __init__(self, game: "str | Path | Machine", role: str | None = None,
                 partners: Mapping[str, "str | PlayerSpec | Player"] | None = None,
                 default_partner: "str | PlayerSpec | Player | None" = None, experiment: str | None = None,
                 max_observation_chars: int = 1_000_000, render_mode: str | None = None) -> None:
        from .driver import load_game

        machine = load_game(game)
        roles = list(machine.roles)
        partners = dict(partners or {})
        if role is None:
            free = [r for r in roles if r not in partners]
            role = free[0] if free else roles[0]
        partners = {r: p for r, p in partners.items() if r != role}
        self.role = role
        self.driver = GameDriver(machine, external=[role], partners=partners, default=default_partner,
                                 experiment=experiment, label="gymnasium")
        self.machine = machine
        self.render_mode = render_mode
        self.observation_space = UnicodeText(max_observation_chars, min_length=0)
        self.action_space = UnicodeText(machine.limits.reply_chars, min_length=0)
        self._last = ""

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        options = options or {}
        rng = random.Random(int(self.np_random.integers(2**63)))
        instance = self.driver.instance(options.get("instance"), rng)
        self.driver.reset(instance, seed=rng.randrange(2**31))
        return self._observe()[0], self._observe_info()

    def step(self, action: str):
        self.driver.act(str(action))
        obs, messages = self._observe()
        reward = self.driver.partial_rewards(self.role)
        terminated = self.driver.done
        if terminated:
            reward += self.driver.final_reward()
        return obs, reward, terminated, False, self._observe_info(messages)

    def _observe(self) -> tuple[str, list[dict]]:
        seen = self.driver.observe(self.role)
        self._last = seen.text
        self._messages = seen.messages
        return seen.text, seen.messages

    def _observe_info(self, messages: list[dict] | None = None) -> dict[str, Any]:
        info = self.driver.info()
        info["messages"] = messages if messages is not None else self._messages
        return info

    def record(self) -> dict[str, Any]:
        """The finished episode's full record (docs/episodes.md): events, messages, scores, times."""
        return self.driver.record()

    def render(self) -> str | None:
        if self.render_mode == "ansi":
            return self._last
        return None

    def close(self) -> None:
        self.driver.close()


def register_games(prefix: str = "gamelang") -> list[str]:
    """Register every game gamelang can find by name as ``PREFIX/NAME-v0`` with Gymnasium.

    Done when this module is imported, so ``gymnasium.make("gamelang.envs.gym:gamelang/taboo-v0",
    role="guesser")`` works without any other import. Returns the ids registered.
    """
    from ..registry import list_games

    ids = []
    for name in sorted(list_games()):
        env_id = f"{prefix}/{name}-v0"
        if env_id not in gymnasium.registry:
            gymnasium.register(env_id, entry_point=GameGymEnv, kwargs={"game": name}, disable_env_checker=True)
        ids.append(env_id)
    return ids


try:
    register_games()
except OSError:  # a games folder that cannot be listed: the classes still work
    pass
