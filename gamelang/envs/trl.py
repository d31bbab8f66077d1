"""A game as an environment for TRL's ``GRPOTrainer(environment_factory=...)``.

TRL's environment interface (experimental in TRL): an object with ``reset(**row)`` that returns
text to append to the prompt, public methods the model may call as tools, and ``get_reward()``
for the finished rollout. Here the learner role plays through one tool, ``reply``: the model
calls it with its move, and the tool answers with what the game tells the learner next (or that
the game is over). The partners (other roles) play inside gamelang, as in the other adapters.

    from gamelang.envs.trl import environment_factory, dataset_rows
    trainer = GRPOTrainer(model=..., train_dataset=Dataset.from_list(dataset_rows("wordle")),
                          environment_factory=environment_factory("wordle"))

Nothing here imports TRL: the interface is duck-typed. Unlike ``gamelang train grpo`` (which
plays whole games itself, with token-level turns), this lets a TRL user keep TRL's own loop.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, Callable, Mapping

from ..machine import Machine
from .driver import GameDriver, load_game

DEFAULT_PROMPT = "Play the game below. Give each of your moves by calling the `reply` tool with it."


class GameToolEnvironment:
    """One role of a game, played through the ``reply`` tool (one instance per rollout)."""

    def __init__(self, game: "str | Path | Machine", role: str | None = None,
                 partners: Mapping[str, Any] | None = None, default_partner: Any = None,
                 experiment: str | None = None) -> None:
        machine = load_game(game)
        roles = list(machine.roles)
        partners = dict(partners or {})
        self._role = role or next((r for r in roles if r not in partners), roles[0])
        partners = {r: p for r, p in partners.items() if r != self._role}
        self._driver = GameDriver(machine, external=[self._role], partners=partners, default=default_partner,
                                  experiment=experiment, label="trl")
        self._reward = 0.0
        self._started = False

    def reset(self, **row: Any) -> str:
        """Start an episode of the row's ``instance`` (an id, within its ``experiment``; a random one if
        absent) with its ``seed``; other fields of the row (the prompt) are ignored."""
        seed = row.get("seed")
        rng = random.Random(seed if isinstance(seed, int) else None)
        instance = row.get("instance")
        experiment = row.get("experiment")
        inst = self._driver.instance(None if instance is None else str(instance), rng,
                                     experiment=experiment if isinstance(experiment, str) else None)
        self._driver.reset(inst, seed=rng.randrange(2**31))
        self._reward = self._driver.partial_rewards(self._role)
        self._started = True
        return self._told()

    def reply(self, message: str) -> str:
        """Send your next move to the game and get what the game answers.

        Args:
            message: Your move, written exactly as the game's instructions ask for it.
        """
        if not self._started:
            return "No game is running."
        if self._driver.done:
            return self._over()
        self._driver.act(message)
        self._reward += self._driver.partial_rewards(self._role)
        if self._driver.done:
            return self._over()
        return self._told()

    def get_reward(self) -> float:
        """What the game paid the learner: its partial rewards and, once it is over, the episode's reward."""
        if not self._started:
            return 0.0
        return self._reward + (self._driver.final_reward() if self._driver.done else 0.0)

    # ------------------------------------------------------------------ helpers (not tools)
    def _told(self) -> str:
        return self._driver.observe(self._role).text

    def _over(self) -> str:
        info = self._driver.info()
        told = self._told()
        reason = f" ({info['reason']})" if info.get("reason") else ""
        return (told + "\n\n" if told else "") + f"The game is over: {info.get('outcome')}{reason}."

    @property
    def _record(self) -> dict[str, Any]:
        return self._driver.record()


def environment_factory(game: "str | Path | Machine", **options: Any) -> Callable[[], GameToolEnvironment]:
    """A factory for ``GRPOTrainer(environment_factory=...)``: the game is compiled once, here."""
    machine = load_game(game)
    GameToolEnvironment(machine, **options)  # a bad role or partner fails now, not in the trainer

    def make() -> GameToolEnvironment:
        return GameToolEnvironment(machine, **options)

    return make


def dataset_rows(game: "str | Path | Machine", experiment: str | None = None, prompt: str = DEFAULT_PROMPT,
                 episodes: int = 1) -> list[dict[str, Any]]:
    """One training row per instance (and episode): a conversational prompt, the instance id and a seed."""
    machine = load_game(game)
    driver = GameDriver(machine, external=list(machine.roles), experiment=experiment)
    rows = []
    for inst in driver.instances:
        for ep in range(episodes):
            rows.append({"prompt": [{"role": "user", "content": prompt}], "instance": str(inst.id),
                         "experiment": inst.experiment, "seed": ep})
    return rows
