"""`gamelang train sft|dpo|kto`: fine-tune a model on exported episodes with TRL.

The options here override the YAML file given with ``--config``; ``--set KEY=VALUE`` reaches any
other key. torch, transformers and trl are imported only when a command runs. Under
``accelerate launch`` every process runs the command and only the main one prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

import typer

train_app = typer.Typer(
    name="train",
    help="Train a model with TRL: sft, dpo, kto on datasets written by `gamelang export`; grpo online, by playing games.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

EXIT_USAGE = 2

DESCRIPTIONS = {
    "sft": "Supervised fine-tuning on conversations (rows {messages}); the loss covers the assistant turns only.",
    "dpo": "Direct preference optimisation on pairs (rows {prompt, chosen, rejected}).",
    "kto": "KTO on unpaired judged completions (rows {prompt, completion, label}).",
    "ilql": "Offline RL (implicit language Q-learning) on conversations with their rewards (rows {messages, reward}).",
}


def _say(message: str, err: bool = False) -> None:
    from trainers.common import is_main_process

    if is_main_process():
        typer.echo(message, err=err)


def _make_command(method: str) -> Callable[..., None]:
    def command(
        model: Optional[str] = typer.Option(None, "--model", metavar="MODEL", help="Model folder (or LoRA adapter folder) or hub id."),
        data: list[Path] = typer.Option([], "--data", metavar="FILE", help="A JSONL or parquet file from `gamelang export` (repeatable)."),
        out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="DIR", help="Output folder: checkpoints, then the model."),
        config: Optional[Path] = typer.Option(None, "--config", "-c", metavar="FILE", help="A YAML file of settings (docs/training.md)."),
        lora: Optional[bool] = typer.Option(None, "--lora/--full", help="Train a LoRA adapter, or every weight."),
        max_steps: Optional[int] = typer.Option(None, "--max-steps", min=1, metavar="N", help="Stop after this many steps."),
        epochs: Optional[float] = typer.Option(None, "--epochs", metavar="X", help="Passes over the data."),
        lr: Optional[float] = typer.Option(None, "--lr", metavar="X", help="Peak learning rate."),
        batch_size: Optional[int] = typer.Option(None, "--batch-size", min=1, metavar="N", help="Rows per device per step."),
        resume: bool = typer.Option(False, "--resume", help="Continue from the newest checkpoint in --out."),
        overwrite: bool = typer.Option(False, "--overwrite", help="Delete old checkpoints in --out and start afresh."),
        set_: list[str] = typer.Option([], "--set", metavar="KEY=VALUE", help="Any config key, as KEY=VALUE (repeatable)."),
    ) -> None:
        from trainers import train
        from trainers.config import ConfigError, load_config, parse_assignment

        try:
            overrides = dict(parse_assignment(item) for item in set_)
            overrides.update(model=model, data=[str(d) for d in data] or None, out=str(out) if out else None,
                             lora=lora, max_steps=max_steps, epochs=epochs, lr=lr, batch_size=batch_size,
                             resume=resume or None, overwrite=overwrite or None)
            settings = load_config(method, config, overrides)
            settings.require_paths()
            _say(f"{method}: {settings.model} on {', '.join(settings.data)} -> {settings.out}"
                 + (" (LoRA)" if settings.lora else ""))
            result = train(settings)
        except ConfigError as err:
            _say(f"gamelang: error: {err}", err=True)
            raise typer.Exit(EXIT_USAGE) from None
        if result.is_main:
            typer.echo(result.summary())

    command.__doc__ = DESCRIPTIONS[method]
    command.__name__ = method
    return command


for _method in DESCRIPTIONS:
    train_app.command(name=_method)(_make_command(_method))


@train_app.command(name="grpo")
def grpo(
    model: Optional[str] = typer.Option(None, "--model", metavar="MODEL", help="Model folder (or LoRA adapter folder) or hub id."),
    games: Optional[str] = typer.Option(None, "--games", metavar="GAMES", help="Games to play, comma-separated names or files."),
    learner: Optional[str] = typer.Option(None, "--learner", metavar="ROLE", help="The role the policy plays."),
    partner: list[str] = typer.Option([], "--partner", metavar="ROLE=SPEC", help="Who plays another role (repeatable; default scripted)."),
    group: Optional[int] = typer.Option(None, "--group", min=2, metavar="G", help="Episodes per instance per step (GRPO's G)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="DIR", help="Output folder: checkpoints, episodes/, then the model."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", metavar="FILE", help="A YAML file of settings (docs/training.md)."),
    lora: Optional[bool] = typer.Option(None, "--lora/--full", help="Train a LoRA adapter, or every weight."),
    max_steps: Optional[int] = typer.Option(None, "--max-steps", min=1, metavar="N", help="Stop after this many steps."),
    epochs: Optional[float] = typer.Option(None, "--epochs", metavar="X", help="Passes over the training instances."),
    lr: Optional[float] = typer.Option(None, "--lr", metavar="X", help="Peak learning rate (default 5e-7)."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", min=1, metavar="N", help="Episodes per device per step."),
    temperature: Optional[float] = typer.Option(None, "--temperature", metavar="T", help="Sampling temperature of the policy."),
    resume: bool = typer.Option(False, "--resume", help="Continue from the newest checkpoint in --out."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Delete old checkpoints and episodes in --out and start afresh."),
    set_: list[str] = typer.Option([], "--set", metavar="KEY=VALUE", help="Any config key, as KEY=VALUE (repeatable)."),
) -> None:
    """Online GRPO: the policy plays whole games as LEARNER against partners; the games' rewards train it."""
    from trainers import train
    from trainers.config import ConfigError, load_config, parse_assignment

    try:
        overrides = dict(parse_assignment(item) for item in set_)
        for item in partner:
            if not all(part.strip() for part in item.partition("=")):
                raise ConfigError(f"--partner takes ROLE=SPEC, got '{item}'")
        overrides.update(model=model, games=games, learner=learner, partners=partner or None, group=group,
                         out=str(out) if out else None, lora=lora, max_steps=max_steps, epochs=epochs, lr=lr,
                         batch_size=batch_size, temperature=temperature, resume=resume or None,
                         overwrite=overwrite or None)
        settings = load_config("grpo", config, overrides)
        settings.require_paths()
        _say(f"grpo: {settings.model} as {settings.learner} in {', '.join(settings.games)}, groups of "
             f"{settings.group} -> {settings.out}" + (" (LoRA)" if settings.lora else ""))
        result = train(settings)
    except ConfigError as err:
        _say(f"gamelang: error: {err}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    if result.is_main:
        typer.echo(result.summary())
