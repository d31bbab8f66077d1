"""Whole games as GRPO rollouts: TRL's ``rollout_func`` played through the gamelang interpreter.

One dataset row is one game instance of the training split; TRL's sampler repeats it
``num_generations`` times, so a call gets G copies of each instance in a row and plays G
episodes of it (a group). The learner role is a :class:`~gamelang.players.chat.TokenChatPlayer`
whose backend samples from the trainer's current policy; every other role is any player spec.
All episodes of a call are played by one :meth:`RolloutEngine.play`, which batches every live
episode's turn into one generate call per round. Each episode's learner tokens, exactly as
sampled and extended turn by turn, become TRL's ``prompt_ids`` / ``completion_ids`` /
``logprobs`` / ``env_mask``; its record goes to the run folder ``OUT/episodes``.

Nothing heavy is imported at module level: torch, transformers and trl only inside the calls.
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from gamelang.instances import Instance, load_instances
from gamelang.machine import Machine
from gamelang.players.base import Player, PlayerSpec
from gamelang.players.chat import GenerationRow, Generated, TokenChatPlayer, stop_token_ids
from gamelang.runtime.rollout import Assignment, EpisodeJob, Rollout, RolloutEngine, episode_seed
from gamelang.runtime.runfolder import RunWriter, invoking_command
from gamelang.splits import Split
from gamelang.turns import Sampling

#: The owner name of the policy's token turns (never extended with another model's ids).
POLICY_OWNER = "policy"


class RolloutSetupError(ValueError):
    """The games, learner or partners cannot make a GRPO run (a message for the user)."""


# --------------------------------------------------------------------------- the task: games and instances
@dataclass
class GameTask:
    """The games, the learner role, and the instances to train on, keyed by their prompt text."""

    machines: list[Machine]
    learner: str
    instances: dict[str, tuple[Machine, Instance]]  # prompt key -> (game, instance)
    split: Split | None = None

    def rows(self) -> list[dict[str, Any]]:
        """Dataset rows: ``prompt`` is the instance's key (the rollout looks the instance up by it)."""
        return [{"prompt": key, "game": m.name, "experiment": i.experiment, "instance": i.id}
                for key, (m, i) in self.instances.items()]

    def counts(self) -> dict[str, int]:
        """Training instances per game."""
        out: dict[str, int] = {m.name: 0 for m in self.machines}
        for m, _ in self.instances.values():
            out[m.name] += 1
        return out


def instance_key(machine: Machine, instance: Instance) -> str:
    """The prompt text that names an instance: a JSON list, so any id or experiment name is safe."""
    return json.dumps([machine.name, instance.experiment, instance.id])


def build_task(machines: list[Machine], learner: str, split: Split | None = None,
               experiments: list[str] | None = None, limit: int | None = None) -> GameTask:
    """The instances of every game on ``split``'s side (all with None), by experiment, the first ``limit``.

    Raises RolloutSetupError when the learner is not a role of a game or nothing is left to train on.
    """
    if not machines:
        raise RolloutSetupError("no games given: set `games` (--games taboo,wordle)")
    for m in machines:
        if learner not in m.roles:
            raise RolloutSetupError(f"the learner '{learner}' is not a role of game '{m.name}' "
                                    f"(its roles: {', '.join(m.roles)})")
    chosen: dict[str, tuple[Machine, Instance]] = {}
    for m in machines:
        instances = load_instances(m)
        if experiments:
            instances = [i for i in instances if i.experiment in experiments]
        if split is not None:
            instances = [i for i in instances if split.contains(m.name, i.experiment, i.id)]
        if limit is not None:
            instances = instances[:limit]
        if not instances:
            where = f" in experiments {', '.join(experiments)}" if experiments else ""
            side = f" on the {split.describe()} side" if split else ""
            raise RolloutSetupError(f"game '{m.name}' has no instances{where}{side} to train on")
        for inst in instances:
            chosen[instance_key(m, inst)] = (m, inst)
    return GameTask(machines, learner, chosen, split)


def check_partners(machines: list[Machine], learner: str, partners: dict[str, Any]) -> None:
    """Raise RolloutSetupError for a partner of the learner's own role or of a role no game has."""
    known = {r for m in machines for r in m.roles}
    for role in partners:
        if role == learner:
            raise RolloutSetupError(f"'{role}' is the learner: it is played by the policy, not a partner")
        if role not in known:
            raise RolloutSetupError(f"no game has a role '{role}' (roles: {', '.join(sorted(known))})")


# --------------------------------------------------------------------------- rewards
def episode_reward(record: dict[str, Any], learner: str, acted: bool) -> float | None:
    """The GRPO reward of an episode: the game's reward clipped to [0, 1]; 0 when the learner aborted.

    None (TRL leaves it out of the group's baseline and gives it no advantage) when the episode says
    nothing about the policy: the learner never replied, or the machinery failed (outcome error).
    """
    if record.get("outcome") == "error" or not acted:
        return None
    if record.get("ended_by") == learner:
        return 0.0
    reward = (record.get("scores") or {}).get("reward")
    if reward is None:
        return 0.0
    return min(1.0, max(0.0, float(reward)))


def game_reward(prompts, completions, completion_ids, episode_reward=None, game=None, outcome=None,
                log_metric: Callable[[str, float], None] | None = None, **_: Any) -> list[float | None]:
    """The reward function for GRPOTrainer: the rewards the rollout computed from the game records.

    It also logs, per game, the mean reward, the win rate and the share played (not aborted) of
    the step's episodes (``log_metric`` averages them over the processes).
    """
    if episode_reward is None:
        raise ValueError("game_reward needs the 'episode_reward' column that the gamelang rollout returns")
    if log_metric is not None and game is not None and outcome is not None:
        for name, result, reward in zip(game, outcome, episode_reward, strict=True):
            if result == "error":
                log_metric(f"{name}/error", 1.0)
                continue
            log_metric(f"{name}/error", 0.0)
            log_metric(f"{name}/win", 1.0 if result == "win" else 0.0)
            log_metric(f"{name}/played", 1.0 if result in ("win", "lose") else 0.0)
            if reward is not None:
                log_metric(f"{name}/reward", float(reward))
    return list(episode_reward)


# --------------------------------------------------------------------------- timing (bench/grpo.py reads it)
@dataclass
class RolloutTimes:
    """Seconds spent in rollouts: all of it, and the part inside the policy's generate calls."""

    rollout: float = 0.0
    generate: float = 0.0
    partner: float = 0.0
    episodes: int = 0
    calls: int = 0

    def game_layer(self) -> float:
        """The rollout's time outside generation: interpreter, chat templates, tokenisation, records."""
        return max(0.0, self.rollout - self.generate - self.partner)


class _TimedPlayer(Player):
    """A partner player whose respond time is counted (so that it is not billed to the game layer)."""

    def __init__(self, inner: Player, times: RolloutTimes) -> None:
        super().__init__(inner.spec)
        self.inner, self.times = inner, times
        self.interactive = getattr(inner, "interactive", False)

    def respond(self, requests):
        started = time.perf_counter()
        try:
            return self.inner.respond(requests)
        finally:
            self.times.partner += time.perf_counter() - started

    def close(self) -> None:
        self.inner.close()


# --------------------------------------------------------------------------- the rollout function
@dataclass
class RolloutSettings:
    """How the policy samples and how episodes are numbered and seeded."""

    temperature: float = 1.0
    top_p: float = 1.0
    max_new_tokens: int | None = None  # None: each game's reply_tokens
    seed: int = 0
    concurrency: int = 256
    model_name: str = "policy"


@dataclass
class GameRollout:
    """TRL's ``rollout_func``: ``rollout(prompts, trainer) -> dict`` playing one episode per prompt.

    ``partners`` maps roles to player specs (``scripted``, ``hf:...``, ``openai:...``) or players;
    roles of no entry are played by the scripted player. ``episodes_dir`` receives every record
    (main process only). ``generate`` replaces the policy's generation backend (tests and
    benchmarks); by default it samples from ``trainer.model`` with
    :func:`gamelang.players.hf.generate_with_model`.
    """

    task: GameTask
    tokenizer: Any
    partners: dict[str, PlayerSpec | Player] = field(default_factory=dict)
    settings: RolloutSettings = field(default_factory=RolloutSettings)
    episodes_dir: Path | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    generate: Callable[[Any, list[GenerationRow]], list[Generated]] | None = None
    times: RolloutTimes = field(default_factory=RolloutTimes)
    extra_stop_ids: tuple[int, ...] = ()  # end-of-turn ids beyond the tokenizer's eos (the model's generation_config)

    def __post_init__(self) -> None:
        check_partners(self.task.machines, self.task.learner, self.partners)
        self._trainer: Any = None
        self._model: Any = None  # the unwrapped policy, only while a rollout runs
        self._calls: int | None = None
        self._writer: RunWriter | None = None
        self.stop_ids = stop_token_ids(self.tokenizer, self.extra_stop_ids)
        self.policy = TokenChatPlayer(f"grpo:{self.settings.model_name}", self.tokenizer, self._generate_rows,
                                      owner=POLICY_OWNER, temperature=self.settings.temperature,
                                      top_p=self.settings.top_p, max_new_tokens=self.settings.max_new_tokens,
                                      batch_size=self.settings.concurrency, seed=0, stop_ids=self.extra_stop_ids)
        roles: dict[str, PlayerSpec | Player] = {self.task.learner: self.policy}
        roles.update(self.partners)
        self.assignment = Assignment(roles)
        # create every partner now: a bad spec or an unloadable model fails before training starts
        self.assignment.prepare(self.task.machines)
        for role in {r for m in self.task.machines for r in m.roles} - {self.task.learner}:
            self.assignment.roles[role] = _TimedPlayer(self.assignment.player_for(role), self.times)
        self.engine = RolloutEngine(self.assignment, sampling={
            self.task.learner: Sampling(temperature=self.settings.temperature, top_p=self.settings.top_p)})

    # ------------------------------------------------------------------ generation with the policy
    def _generate_rows(self, rows: list[GenerationRow]) -> list[Generated]:
        started = time.perf_counter()
        try:
            if self.generate is not None:
                return self.generate(self._trainer, rows)
            if self._model is None:
                raise RuntimeError("the GRPO rollout has no policy to sample from: call it with the trainer, "
                                   "or give it a generate function")
            from gamelang.players.hf import generate_with_model

            return generate_with_model(self._model, self.tokenizer, rows, self.stop_ids)
        finally:
            self.times.generate += time.perf_counter() - started

    @contextmanager
    def _policy_for_generation(self, trainer: Any) -> Iterator[None]:
        """The trainer's model, unwrapped (and gathered under ZeRO-3/FSDP), in eval mode, for the whole rollout."""
        if trainer is None or self.generate is not None:
            yield
            return
        import torch
        from trl.models import unwrap_model_for_generation

        args = trainer.args
        dist = getattr(trainer, "_dist", None)  # TRL's FSDP helper; its summon_full_params is a no-op otherwise
        summon = dist.summon_full_params(trainer.model_wrapped, recurse=False) if dist is not None else nullcontext()
        with unwrap_model_for_generation(trainer.model_wrapped, trainer.accelerator,
                                         gather_deepspeed3_params=args.ds3_gather_for_generation,
                                         gradient_checkpointing_kwargs=args.gradient_checkpointing_kwargs) as model, \
                torch.no_grad(), summon, trainer.accelerator.autocast():
            was_training = model.training
            model.eval()  # no dropout while sampling: the sampled logprobs are the eval policy's
            self._model = model
            try:
                yield
            finally:
                self._model = None
                if was_training:
                    model.train()

    # ------------------------------------------------------------------ one call = one generation batch
    def __call__(self, prompts: list[Any], trainer: Any = None) -> dict[str, list]:
        """Play one episode per prompt (TRL already repeated each instance G times) and return TRL's dict."""
        self._trainer = trainer
        process, processes = _process_info(trainer)
        if self._calls is None:  # continue the numbering after a resume (one generation per optimizer step)
            self._calls = trainer.state.global_step if trainer is not None else 0
        step = self._calls
        self._calls += 1
        first = (step * processes + process) * len(prompts)
        jobs: list[EpisodeJob] = []
        for i, prompt in enumerate(prompts):
            machine, instance = self._lookup(prompt)
            episode = first + i  # unique over the run: every member of a group, every step, every process
            seed = episode_seed(self.settings.seed, (machine.name, instance.experiment, instance.id, episode))
            jobs.append(EpisodeJob(machine, instance, episode, seed))
        started = time.perf_counter()
        with self._policy_for_generation(trainer):
            rollouts = self.engine.play(jobs, learner=self.task.learner, concurrency=self.settings.concurrency)
        by_key = {r.record["game"] + "\0" + r.record["experiment"] + "\0" + str(r.record["instance"]) + "\0"
                  + str(r.record["episode"]): r for r in rollouts}
        ordered = [by_key[f"{j.machine.name}\0{j.instance.experiment}\0{j.instance.id}\0{j.episode}"] for j in jobs]
        output = self._output(ordered, step)
        self.times.rollout += time.perf_counter() - started
        self.times.episodes += len(jobs)
        self.times.calls += 1
        self._write([r.record for r in ordered], trainer)
        self._stop_on_template_error(ordered)
        return output

    def _stop_on_template_error(self, rollouts: list[Rollout]) -> None:
        """Stop training when the policy's chat template cannot be extended turn by turn.

        Every multi-turn episode would end in an error (reward None, nothing learned) for the
        rest of the run, so the first one ends it, with the player's message (the records are
        already in the run folder).
        """
        for r in rollouts:
            reason = r.record.get("reason") or ""
            if r.record.get("outcome") == "error" and "stable prefix" in reason and POLICY_OWNER in reason:
                raise RolloutSetupError(reason.split(": ", 1)[-1])

    def _lookup(self, prompt: Any) -> tuple[Machine, Instance]:
        key = prompt if isinstance(prompt, str) else json.dumps(prompt)
        try:
            return self.task.instances[key]
        except KeyError:
            raise ValueError(f"the GRPO rollout got a prompt that names no training instance: {key[:80]!r} "
                             "(the dataset must be the one trainers.grpo builds)") from None

    def _output(self, rollouts: list[Rollout], step: int) -> dict[str, list]:
        out: dict[str, list] = {k: [] for k in ("prompt_ids", "completion_ids", "logprobs", "env_mask",
                                                 "episode_reward", "game", "outcome", "episode", "learner_turns")}
        filler = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else min(self.stop_ids)
        for r in rollouts:
            s = r.tokens
            acted = s is not None and bool(s.completion_ids) and any(s.mask)
            if acted:
                out["prompt_ids"].append(list(s.prompt_ids))
                out["completion_ids"].append(list(s.completion_ids))
                out["logprobs"].append([float(x) for x in s.logprobs])
                out["env_mask"].append(list(s.mask))
            else:
                # the learner never replied (the partner ended the episode first): one masked token, so
                # TRL's shapes hold and nothing of it is trained on; its reward is None (no advantage)
                out["prompt_ids"].append([filler])
                out["completion_ids"].append([min(self.stop_ids)])
                out["logprobs"].append([0.0])
                out["env_mask"].append([0])
            reward = episode_reward(r.record, self.task.learner, acted)
            r.record["grpo"] = {"step": step, "reward": reward, "learner_tokens": sum(s.mask) if acted else 0,
                                "complete_tokens": bool(s.complete) if acted else None}
            out["episode_reward"].append(reward)
            out["game"].append(r.record["game"])
            out["outcome"].append(r.record["outcome"])
            out["episode"].append(r.record["episode"])
            out["learner_turns"].append(s.turns if acted else 0)
        return out

    # ------------------------------------------------------------------ the run folder
    def _write(self, records: list[dict[str, Any]], trainer: Any) -> None:
        if self.episodes_dir is None:
            return
        if trainer is not None and trainer.accelerator.num_processes > 1:
            from accelerate.utils import gather_object

            records = gather_object(records)  # every process's episodes, written by the main one
        if trainer is not None and not trainer.accelerator.is_main_process:
            return
        if self._writer is None:
            self._writer = RunWriter(self.episodes_dir, self.meta or run_meta(self.task, self.assignment,
                                                                               self.settings, 0))
        for record in records:
            self._writer.append(record)

    def close(self, status: str = "complete") -> None:
        """Close the run folder (its run.json gets ``status``) and release the partners."""
        if self._writer is not None:
            self._writer.close(status)
            self._writer = None
        self.assignment.close()


def _process_info(trainer: Any) -> tuple[int, int]:
    if trainer is None:
        return 0, 1
    return trainer.accelerator.process_index, trainer.accelerator.num_processes


def run_meta(task: GameTask, assignment: Assignment, settings: RolloutSettings, group: int,
             extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """run.json of the training episodes, in the shape `gamelang run` writes (plus a ``training`` entry)."""
    by_game: dict[str, dict[str, int]] = {}
    for m, inst in task.instances.values():
        counts = by_game.setdefault(m.name, {})
        counts[inst.experiment] = counts.get(inst.experiment, 0) + 1
    games = {m.name: {"version": m.version, "content_hash": m.content_hash, "path": str(m.path),
                      "planned": None, "training_instances": sum(by_game.get(m.name, {}).values()),
                      "training_instances_by_experiment": by_game.get(m.name, {}),
                      "players": assignment.describe(m)} for m in task.machines}
    return {
        "command": invoking_command(),
        "seed": settings.seed,
        "episodes_per_instance": group,
        "limit": None,
        "experiments": None,
        "split": task.split.as_meta() if task.split else None,
        "concurrency": settings.concurrency,
        "players": {"default": "scripted",
                    "roles": {r: assignment.spec_for(r).text for r in assignment.roles}},
        "games": games,
        "training": {"method": "grpo", "learner": task.learner, "model": settings.model_name,
                     "temperature": settings.temperature, "top_p": settings.top_p,
                     "max_new_tokens": settings.max_new_tokens, **(extra or {})},
    }
