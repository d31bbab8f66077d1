"""Online GRPO on whole games with TRL's GRPOTrainer and a gamelang rollout (docs/training.md).

The dataset is the games' training instances, one row each; TRL repeats every row ``group``
times and hands the batch to :class:`trainers.grpo_rollout.GameRollout`, which plays the
episodes through the interpreter with the policy in the learner's role and returns the tokens
exactly as sampled, a mask of the policy's own tokens, and the games' rewards. TRL computes the
group advantages and the loss. Every training episode lands in ``OUT/episodes`` (a run folder).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import common
from .config import GRPOTrainConfig, TrainConfig

EPISODES_DIR = "episodes"


@dataclass
class GRPOResult(common.TrainResult):
    """A GRPO run: the common result, plus its training episodes and the last step's figures per game."""

    episodes: int = 0
    episodes_dir: Path | None = None
    last: dict[str, dict[str, float]] = field(default_factory=dict)
    times: Any = None  # the main process's RolloutTimes: where the rollouts' seconds went (bench/grpo.py)

    def summary(self) -> str:
        lines = common.TrainResult.summary(self).splitlines()
        lines[0] = lines[0].replace(f"on {self.rows} rows", f"on {self.rows} instances, {self.episodes} episodes")
        for game, figures in sorted(self.last.items()):
            lines.append(f"{game}, last logged step: " + ", ".join(
                f"{k} {v:.3f}" if k == "reward" else f"{k} {v:.0%}" for k, v in figures.items()))
        if self.episodes_dir is not None:
            lines.append(f"training episodes in {self.episodes_dir} (gamelang score {self.episodes_dir})")
        return "\n".join(lines)


def per_game(log: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """The newest logged reward, win rate and share played of each game, from the Trainer's log."""
    out: dict[str, dict[str, float]] = {}
    for entry in log:
        for key, value in entry.items():
            game, sep, what = key.rpartition("/")
            if sep and what in ("reward", "win", "played") and game and not game.startswith("rewards") \
                    and isinstance(value, (int, float)):
                out.setdefault(game, {})[what] = float(value)
    return {g: {k: v[k] for k in ("reward", "win", "played") if k in v} for g, v in out.items()}


def load_games(names: list[str]):
    """Compile the games by name or path; TrainError for an unknown or invalid game."""
    from gamelang.compiler import compile_file
    from gamelang.registry import GameNotFound, resolve_game

    machines = []
    for name in names:
        try:
            result = compile_file(resolve_game(name))
        except GameNotFound as err:
            raise common.TrainError(str(err)) from None
        except OSError as err:
            raise common.TrainError(f"cannot read game {name}: {err.strerror or err}") from None
        if result.machine is None:
            raise common.TrainError(f"game '{name}' is not valid (see `gamelang validate {name}`)")
        machines.append(result.machine)
    if len({m.name for m in machines}) != len(machines):
        raise common.TrainError("a game is named twice in 'games'")
    return machines


def partner_specs(config: GRPOTrainConfig) -> dict[str, Any]:
    """role -> PlayerSpec; TrainError for a spec that cannot be read."""
    from gamelang.players import PlayerSpecError, parse_spec

    out = {}
    for role, spec in config.partners.items():
        try:
            out[role] = parse_spec(spec)
        except PlayerSpecError as err:
            raise common.TrainError(f"partner {role}={spec}: {err}") from None
        if out[role].kind == "human":
            raise common.TrainError(f"partner {role}={spec}: a person cannot play thousands of training episodes")
    return out


def prepare_episodes(config: GRPOTrainConfig) -> Path:
    """OUT/episodes: refused when it holds episodes of another run (unless --resume or --overwrite)."""
    folder = Path(config.out) / EPISODES_DIR
    has_episodes = (folder / "episodes.jsonl").is_file() and (folder / "episodes.jsonl").stat().st_size > 0
    if has_episodes and not config.resume:
        if not config.overwrite:
            raise common.TrainError(f"{folder} already holds training episodes; pass --resume to continue that run "
                                    "or --overwrite to start afresh")
        if common.is_main_process():
            shutil.rmtree(folder)
    return folder


def trl_config(config: GRPOTrainConfig, hardware: common.Hardware):
    """TRL's GRPOConfig for ours."""
    from trl import GRPOConfig

    args = common.training_arguments(config, hardware)
    args.pop("max_length", None)  # the episode is the completion; GRPOConfig has no such key
    vllm = {}
    if config.use_vllm:
        vllm = dict(use_vllm=True, vllm_mode=config.vllm_mode,
                    vllm_gpu_memory_utilization=config.vllm_gpu_memory_utilization,
                    vllm_max_model_length=config.vllm_max_model_length)
        if config.vllm_server_base_url:
            vllm["vllm_server_base_url"] = config.vllm_server_base_url
    return GRPOConfig(**args, num_generations=config.group, temperature=config.temperature, top_p=config.top_p,
                      beta=config.beta, remove_unused_columns=False, **vllm)


def check_vllm(config: GRPOTrainConfig, processes: int) -> None:
    """TrainError when ``use_vllm`` cannot work here: no vLLM, or a setup whose collectives would hang."""
    if not config.use_vllm:
        return
    import importlib.util

    from .grpo_vllm import VLLMUnsupported, check_vllm_setup

    if importlib.util.find_spec("vllm") is None:
        raise common.TrainError("use_vllm needs vLLM on a machine with a GPU (pip install vllm); without it, leave "
                                "use_vllm off: the policy then generates with transformers")
    try:
        check_vllm_setup(config.vllm_mode, 1, processes)
    except VLLMUnsupported as err:
        raise common.TrainError(str(err)) from None


def check_batch(config: GRPOTrainConfig, processes: int, instances: int) -> None:
    """TrainError unless each step's episodes form whole groups of distinct instances that exist."""
    per_step = config.batch_size * config.gradient_accumulation * processes
    if per_step % config.group:
        raise common.TrainError(
            f"batch_size x gradient_accumulation x processes ({config.batch_size} x {config.gradient_accumulation} x "
            f"{processes} = {per_step}) must be a multiple of group ({config.group}): each step plays whole groups")
    # TRL's sampler draws this many distinct instances per step and drops an incomplete last draw:
    # with fewer instances than that, it would yield no step at all
    if instances < per_step // config.group:
        raise common.TrainError(
            f"a step plays {per_step // config.group} instances ({per_step} episodes in groups of {config.group}) but "
            f"only {instances} training instances are chosen; lower batch_size or choose more instances")


def generation_stop_ids(model) -> tuple[int, ...]:
    """End-of-turn ids the model's generation_config names besides the tokenizer's eos."""
    eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    if eos is None:
        return ()
    return tuple(int(e) for e in (eos if isinstance(eos, (list, tuple)) else [eos]))


def build_rollout(config: GRPOTrainConfig, task, tokenizer, partners, episodes_dir: Path | None, model=None):
    """The rollout function for ``task``, with the config's sampling settings and run-folder metadata."""
    from gamelang.players import PlayerSpecError
    from gamelang.players.chat import stop_token_ids

    from .grpo_rollout import GameRollout, RolloutSettings, run_meta

    settings = RolloutSettings(temperature=config.temperature, top_p=config.top_p,
                               max_new_tokens=config.max_new_tokens, seed=config.seed, model_name=str(config.model))
    extra_stop = generation_stop_ids(model)
    generate = None
    if config.use_vllm:
        from .grpo_vllm import VLLMBackend

        generate = VLLMBackend(stop_token_ids(tokenizer, extra_stop))
    try:
        rollout = GameRollout(task, tokenizer, partners, settings, episodes_dir=episodes_dir, generate=generate,
                              extra_stop_ids=extra_stop)
    except PlayerSpecError as err:  # a partner model that cannot be loaded
        raise common.TrainError(f"partner: {err}") from None
    rollout.meta = run_meta(task, rollout.assignment, settings, config.group,
                            {"out": str(config.out), "lr": config.learning_rate(), "beta": config.beta,
                             "batch_size": config.batch_size, "gradient_accumulation": config.gradient_accumulation})
    return rollout


def step_report():
    """A TrainerCallback that prints one line per logged step: reward, win rate and share played per game."""
    from transformers import TrainerCallback

    class StepReport(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            figures = per_game([logs or {}])
            if figures and state.is_world_process_zero:
                parts = [f"{g} reward {f.get('reward', float('nan')):.3f} win {f.get('win', 0):.0%} "
                         f"played {f.get('played', 0):.0%}" for g, f in sorted(figures.items())]
                flat = (logs or {}).get("frac_reward_zero_std")
                if isinstance(flat, (int, float)):
                    # a group whose episodes all score the same has no advantage: nothing is learned from it
                    parts.append(f"groups with a signal {1 - flat:.0%}")
                print(f"step {state.global_step}: " + " | ".join(parts), flush=True)

    return StepReport()


def train(config: TrainConfig) -> GRPOResult:
    """Train ``config.model`` by playing ``config.games`` as ``config.learner``; save to ``config.out``."""
    from datasets import Dataset
    from trl import GRPOTrainer

    from gamelang.splits import Split

    from .grpo_rollout import RolloutSetupError, build_task, check_partners, game_reward

    assert isinstance(config, GRPOTrainConfig), "train() of grpo takes a GRPO config"
    config.require_paths()
    common.check_model_path(config)
    machines = load_games(config.games)
    partners = partner_specs(config)
    split = Split(config.split, config.test_share, config.split_seed) if config.split else None
    try:
        task = build_task(machines, config.learner, split, config.experiments or None, config.limit)
        check_partners(machines, config.learner, partners)
    except RolloutSetupError as err:
        raise common.TrainError(str(err)) from None
    check_batch(config, int(os.environ.get("WORLD_SIZE", "1")), len(task.instances))
    check_vllm(config, int(os.environ.get("WORLD_SIZE", "1")))
    episodes_dir = prepare_episodes(config)
    dataset = Dataset.from_list(task.rows())
    # TRL calls rollout_func "experimental" on every start; docs/training.md says what we rely on
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    made: list[Any] = []

    def make_trainer(model, tokenizer, hardware):
        args = trl_config(config, hardware)
        _ = args.device  # sets up the process group and this process's GPU, so that an hf: partner's "cuda" is it
        rollout = build_rollout(config, task, tokenizer, partners, episodes_dir, model)
        made.append(rollout)
        return GRPOTrainer(model=model, reward_funcs=[game_reward], args=args,
                           train_dataset=dataset, processing_class=tokenizer, peft_config=common.lora_config(config),
                           rollout_func=rollout, callbacks=[step_report()])

    status = "interrupted"
    try:
        result = common.run(config, len(dataset), make_trainer)
        status = "complete"
    except RolloutSetupError as err:  # raised mid-run by the rollout (a chat template it cannot extend)
        raise common.TrainError(str(err)) from None
    finally:
        for rollout in made:
            rollout.close(status)
    # every process plays the same number of episodes a step; the main one writes them all
    episodes = made[0].times.episodes * int(os.environ.get("WORLD_SIZE", "1")) if made else 0
    return GRPOResult(**vars(result), episodes=episodes, episodes_dir=episodes_dir, last=per_game(result.log),
                      times=made[0].times if made else None)
