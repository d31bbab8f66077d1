"""A game as a ``verifiers`` multi-turn environment (Prime Intellect's RL-environment library).

One role of the game is the model under evaluation or training; the other roles are played inside
gamelang by partners (the game's reference players by default), as in the other adapters. The
environment is a ``vf.MultiTurnEnv``:

- its dataset holds one row per instance (and episode): ``info`` names the game, the instance,
  its experiment and the episode's seed;
- when a rollout starts, the episode is reset and the partners play until the learner is asked;
  what the game told the learner becomes the rollout's prompt (after the optional system prompt);
- ``env_response`` hands the model's reply to the game, lets the partners play on, and answers with
  what the game told the learner next; when the game ends, that answer is the final one (and
  says ``The game is over: OUTCOME.``);
- the rubric's reward is the game's: what it paid the learner during the episode
  (``reward ... to ROLE``) plus the episode's ``scores.reward``; ``game_won`` (1 when the outcome
  is ``win``) and ``game_aborted`` are metrics of weight 0.

    from gamelang.envs.verifiers_env import load_environment
    env = load_environment("taboo", role="guesser")
    client = vf.OpenAIChatCompletionsClient(openai.AsyncOpenAI(base_url=URL, api_key=KEY))
    results = env.evaluate_sync(client=client, model="...", num_examples=5)

``load_environment`` is also the entry point verifiers' own tools look for in an environment module.
Written against verifiers' multi-turn API (``MultiTurnEnv``, ``env_response``, ``@vf.stop``,
``Rubric``) as version 0.3 has it (under ``verifiers.legacy``, answering as ``vf.*``): the
``verifiers`` extra asks for ``>=0.3.1,<0.4``. Version 0.4 dropped that API for its ``verifiers.v1``
stack, whose harnesses run the model in a separate program prepared with ``uv``; it is not
supported here (docs/integrations.md).
``import gamelang`` never imports this module (which imports verifiers).
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any, Mapping

try:
    import verifiers as vf
    from datasets import Dataset
except ImportError as err:  # pragma: no cover - the message is the point
    raise ImportError("gamelang.envs.verifiers_env needs verifiers 0.3: "
                      "pip install 'gamelang[verifiers]'") from err

if not hasattr(vf, "MultiTurnEnv"):  # pragma: no cover - verifiers >= 0.4
    raise ImportError(f"verifiers {getattr(vf, '__version__', '?')} has no MultiTurnEnv (its multi-turn API "
                      "was removed in 0.4): pip install 'gamelang[verifiers]'")

from verifiers.utils.message_utils import normalize_messages  # after the version check

from ..instances import load_instances
from ..machine import Machine
from .driver import EnvError, GameDriver, load_game

__all__ = ["GameMultiTurnEnv", "load_environment", "game_dataset"]

OVER = "The game is over: {outcome}{reason}."


def _text(content: Any) -> str:
    """The text of a message's content: a string, or the text parts of a list of parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts = []
    for part in content:
        text = part.get("text") if isinstance(part, dict) else getattr(part, "text", None)
        if isinstance(text, str):
            parts.append(text)
    return "".join(parts)


def _field(message: Any, name: str) -> Any:
    return message.get(name) if isinstance(message, dict) else getattr(message, name, None)


def game_dataset(game: "str | Path | Machine", role: str, experiment: str | None = None,
                 episodes: int = 1) -> "Dataset":
    """One row per instance (and episode): a placeholder prompt (the game's opening replaces it when
    the rollout starts), an empty answer and ``info`` = game, instance, experiment, seed."""
    machine = load_game(game)
    pool = load_instances(machine)
    if experiment is not None:
        pool = [i for i in pool if i.experiment == experiment]
    if not pool:
        raise EnvError(f"game '{machine.name}' has no instance" + (f" of experiment '{experiment}'"
                                                                   if experiment else ""))
    rows = []
    for inst in pool:
        for ep in range(episodes):
            rows.append({"prompt": [{"role": "user", "content": f"Play {machine.name} as the {role}."}],
                         "answer": "", "info": {"game": machine.name, "instance": str(inst.id),
                                                "experiment": inst.experiment, "seed": ep}})
    return Dataset.from_list(rows)


class GameMultiTurnEnv(vf.MultiTurnEnv):
    """One role of a game as a verifiers multi-turn environment (see the module's docstring)."""

    def __init__(self, game: "str | Path | Machine", role: str | None = None,
                 partners: Mapping[str, Any] | None = None, default_partner: Any = None,
                 experiment: str | None = None, episodes: int = 1, system_prompt: str | None = None,
                 eval_dataset: "Dataset | None" = None, **kwargs: Any) -> None:
        machine = load_game(game)
        roles = list(machine.roles)
        partners = dict(partners or {})
        self.game = machine
        self.role = role or next((r for r in roles if r not in partners), roles[0])
        self.partners = {r: p for r, p in partners.items() if r != self.role}
        self.default_partner = default_partner
        self.experiment = experiment
        # a bad role, partner or experiment fails here, not in the first rollout
        self._instances = GameDriver(machine, external=[self.role], partners=self.partners,
                                     default=default_partner, experiment=experiment).instances
        dataset = eval_dataset if eval_dataset is not None else game_dataset(machine, self.role, experiment,
                                                                             episodes)
        rubric = vf.Rubric(funcs=[self.game_reward, self.game_won, self.game_aborted], weights=[1.0, 0.0, 0.0])
        kwargs.setdefault("message_type", "chat")
        super().__init__(eval_dataset=dataset, dataset=kwargs.pop("dataset", dataset), rubric=rubric,
                         system_prompt=system_prompt, **kwargs)
        self._system_prompt = system_prompt

    # ------------------------------------------------------------------ rollout
    async def setup_state(self, state: Any) -> Any:
        info = state.get("info") or {}
        driver = GameDriver(self.game, external=[self.role], partners=self.partners, default=self.default_partner,
                            instances=self._instances, label="verifiers")
        seed = info.get("seed")
        rng = random.Random(seed if isinstance(seed, int) else None)
        instance = info.get("instance")
        inst = driver.instance(None if instance is None else str(instance), rng,
                               experiment=info.get("experiment") or None)
        await asyncio.to_thread(driver.reset, inst, rng.randrange(2**31))
        state["game"] = driver
        state["game_reward"] = driver.partial_rewards(self.role)
        opening = [{"role": "system", "content": self._system_prompt}] if self._system_prompt else []
        opening.append({"role": "user", "content": driver.observe(self.role).text})
        state["prompt"] = normalize_messages(opening, field_name="prompt")
        if driver.done:
            self._finish(state)
        return await super().setup_state(state)

    async def env_response(self, messages: Any, state: Any, **kwargs: Any) -> Any:
        driver: GameDriver = state["game"]
        reply = ""
        for message in reversed(list(messages)):
            if _field(message, "role") == "assistant":
                reply = _text(_field(message, "content"))
                break
        await asyncio.to_thread(driver.act, reply)
        state["game_reward"] += driver.partial_rewards(self.role)
        told = driver.observe(self.role).text
        if not driver.done:
            return [{"role": "user", "content": told}]
        final = [{"role": "user", "content": self._finish(state, told)}]
        state["final_env_response"] = final
        return final

    def _finish(self, state: Any, told: str = "") -> str:
        driver: GameDriver = state["game"]
        info = driver.info()
        state["game_reward"] += driver.final_reward()
        state["game_outcome"] = info.get("outcome")
        state["game_reason"] = info.get("reason")
        state["game_scores"] = info.get("scores")
        state["game_record"] = driver.record()
        reason = f" ({info['reason']})" if info.get("reason") else ""
        over = OVER.format(outcome=info.get("outcome"), reason=reason)
        return f"{told}\n\n{over}" if told else over

    @vf.stop
    async def game_over(self, state: Any) -> bool:
        """The episode ended (also when the partners end it before the learner's first move)."""
        driver = state.get("game")
        return driver is not None and driver.done and state.get("game_outcome") is not None

    @vf.cleanup
    async def close_game(self, state: Any) -> None:
        driver = state.get("game")
        if driver is not None:
            driver.close()

    # ------------------------------------------------------------------ rubric
    async def game_reward(self, state: Any, **kwargs: Any) -> float:
        """What the game paid the learner: its partial rewards and, once it is over, the episode's reward."""
        return float(state.get("game_reward") or 0.0)

    async def game_won(self, state: Any, **kwargs: Any) -> float:
        return 1.0 if state.get("game_outcome") == "win" else 0.0

    async def game_aborted(self, state: Any, **kwargs: Any) -> float:
        return 1.0 if state.get("game_outcome") == "abort" else 0.0


def load_environment(game: "str | Path | Machine" = "taboo", **options: Any) -> GameMultiTurnEnv:
    """A game as a verifiers environment: ``role``, ``partners``, ``default_partner``, ``experiment``,
    ``episodes`` (rows per instance), ``system_prompt``, ``max_turns`` and verifiers' own options."""
    return GameMultiTurnEnv(game, **options)
