"""What SFT, DPO and KTO share: hardware settings, model and tokenizer loading, LoRA, checkpoints,
the training loop and its summary.

Each method module builds its TRL config and trainer; :func:`run` does the rest. The trainers run
unchanged under ``accelerate launch`` (data parallel, DeepSpeed, FSDP): transformers' Trainer reads
the distributed setup from the environment, and only the main process saves and reports.
"""

from __future__ import annotations

import math
import os
import shutil
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .config import ConfigError, TrainConfig


class TrainError(ConfigError):
    """Training could not start or finish: a message for the user, never a traceback."""


@dataclass
class Hardware:
    """The device settings chosen for a run."""

    use_cpu: bool
    bf16: bool
    fp16: bool
    gradient_checkpointing: bool
    processes: int

    def describe(self) -> str:
        """One line: device, precision, processes."""
        precision = "bf16" if self.bf16 else "fp16" if self.fp16 else "fp32"
        device = "cpu" if self.use_cpu else "gpu"
        extra = ", gradient checkpointing" if self.gradient_checkpointing else ""
        return f"{device} x {self.processes}, {precision}{extra}"


@dataclass
class TrainResult:
    """What a training run produced."""

    method: str
    out: Path
    base_model: str
    adapter: bool
    steps: int
    loss: float | None
    mean_loss: float | None
    rows: int
    seconds: float
    resumed_from: str | None = None
    is_main: bool = True
    hardware: str = ""
    log: list[dict[str, Any]] = field(default_factory=list)

    def player_spec(self) -> str:
        """The `--model` spec that plays the trained model."""
        return f"hf:{self.base_model}?adapter={self.out}" if self.adapter else f"hf:{self.out}"

    def summary(self) -> str:
        """A few lines for the terminal."""
        if self.loss is not None:
            loss = f"final loss {self.loss:.4f}" + ("" if self.mean_loss is None
                                                  else f" (mean over this run {self.mean_loss:.4f})")
        else:  # fewer steps than logging_steps: only the mean is known
            loss = "loss n/a" if self.mean_loss is None else f"mean loss over this run {self.mean_loss:.4f}"
        what = "LoRA adapter" if self.adapter else "model"
        lines = [
            f"{self.method} finished: {self.steps} steps on {self.rows} rows in {self.seconds:.0f}s ({self.hardware})"
            + (f", resumed from {self.resumed_from}" if self.resumed_from else ""),
            loss,
            f"{what} and tokenizer saved in {self.out}",
            f"play it with: --model {self.player_spec()}",
        ]
        return "\n".join(lines)


def is_main_process() -> bool:
    """True in a single process, and in the rank-0 process of a distributed launch."""
    return int(os.environ.get("RANK", "0")) == 0


def choose_hardware(config: TrainConfig) -> Hardware:
    """CPU settings without a GPU (or under `accelerate launch --cpu`); bf16 and checkpointing on a GPU."""
    import torch

    forced_cpu = os.environ.get("ACCELERATE_USE_CPU", "").lower() in ("1", "true", "yes")
    use_cpu = forced_cpu or not torch.cuda.is_available()
    precision = config.precision
    if precision == "auto":
        precision = "fp32" if use_cpu else ("bf16" if torch.cuda.is_bf16_supported() else "fp16")
    if use_cpu and precision == "fp16":
        raise TrainError("precision fp16 needs a GPU; use bf16 or fp32 on CPU")
    # under FSDP, the FSDP config's own activation checkpointing is the cheap one (the Trainer's adds an all-gather)
    fsdp = os.environ.get("ACCELERATE_USE_FSDP", "").lower() in ("1", "true", "yes")
    auto_checkpointing = not use_cpu and not fsdp
    checkpointing = auto_checkpointing if config.gradient_checkpointing is None else config.gradient_checkpointing
    processes = int(os.environ.get("WORLD_SIZE", "1"))
    return Hardware(use_cpu, precision == "bf16", precision == "fp16", checkpointing, processes)


def training_arguments(config: TrainConfig, hardware: Hardware) -> dict[str, Any]:
    """The keyword arguments every TRL config gets from ours."""
    from transformers import TrainingArguments

    # transformers 5.24 renamed gradient_checkpointing (now a deprecated alias that warns)
    checkpointing = ("activation_checkpointing" if "activation_checkpointing" in TrainingArguments.__dataclass_fields__
                     else "gradient_checkpointing")
    args = dict(
        output_dir=str(config.out),
        learning_rate=config.learning_rate(),
        num_train_epochs=config.epochs,
        max_steps=config.max_steps if config.max_steps is not None else -1,
        per_device_train_batch_size=config.batch_size,
        gradient_accumulation_steps=config.gradient_accumulation,
        max_length=config.max_length,
        lr_scheduler_type=config.lr_scheduler,
        warmup_steps=config.warmup,
        weight_decay=config.weight_decay,
        max_grad_norm=config.max_grad_norm,
        seed=config.seed,
        save_strategy="steps",
        save_steps=config.save_steps,
        save_total_limit=config.save_total_limit,
        logging_steps=config.logging_steps,
        report_to=config.report_to,
        use_cpu=hardware.use_cpu,
        bf16=hardware.bf16,
        fp16=hardware.fp16,
        # pinned memory only helps copies to a GPU, and warns on CPU
        dataloader_pin_memory=not hardware.use_cpu,
    )
    args[checkpointing] = hardware.gradient_checkpointing
    return args


def _looks_local(name: str) -> bool:
    # a hub id is "name" or "org/name"; anything else (./x, /x, a/b/c, ~) can only be a folder
    return name.startswith((".", "/", "~")) or name.count("/") > 1 or os.sep != "/" and os.sep in name


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _torch_dtype(name: str):
    import torch

    return "auto" if name == "auto" else getattr(torch, name)


def check_model_path(config: TrainConfig) -> None:
    """Fail early, with a clear message, when the model folder does not exist."""
    path = Path(config.model).expanduser()
    if not path.exists() and _looks_local(config.model):
        raise TrainError(f"model '{config.model}': no such folder")
    if path.is_dir() and not any((path / f).is_file() for f in ("config.json", "adapter_config.json")):
        raise TrainError(f"model '{config.model}' is a folder without config.json: not a saved model")


def is_adapter_folder(model: str) -> bool:
    """True when ``model`` is a folder holding a PEFT adapter (not full weights)."""
    return (Path(model).expanduser() / "adapter_config.json").is_file()


def load_model(config: TrainConfig):
    """The model to train, on CPU (the Trainer moves it); an adapter folder is merged into its base first.

    Merging makes the trained model's starting point (and DPO/KTO's reference) the adapted model,
    not the bare base the adapter was trained on.
    """
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    dtype = _torch_dtype(config.dtype)
    # an absolute path, so that a LoRA adapter's recorded base loads from any working directory
    local = Path(config.model).expanduser()
    name = str(local.resolve()) if local.exists() else config.model
    try:
        if is_adapter_folder(config.model):
            from peft import AutoPeftModelForCausalLM

            merged = AutoPeftModelForCausalLM.from_pretrained(name, dtype=dtype).merge_and_unload()
            # peft loads an adapter for inference, with the base frozen: full fine-tuning needs it trainable again
            return merged.requires_grad_(True)
        return AutoModelForCausalLM.from_pretrained(name, dtype=dtype)
    except (OSError, ValueError) as err:
        raise TrainError(f"cannot load model '{config.model}': {_first_line(err)}") from None


def load_tokenizer(config: TrainConfig):
    """The model's tokenizer (from the adapter folder, or its base), with a pad token and the chosen template."""
    from transformers import AutoTokenizer

    source = config.model
    if is_adapter_folder(source) and not (Path(source) / "tokenizer_config.json").is_file():
        from peft import PeftConfig

        source = PeftConfig.from_pretrained(source).base_model_name_or_path
    try:
        tokenizer = AutoTokenizer.from_pretrained(source)
    except (OSError, ValueError) as err:
        raise TrainError(f"cannot load the tokenizer of '{config.model}': {_first_line(err)}") from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if config.chat_template:
        try:
            tokenizer.chat_template = Path(config.chat_template).read_text(encoding="utf-8")
        except OSError as err:
            raise TrainError(f"cannot read chat template {config.chat_template}: {err.strerror or err}") from None
    if not tokenizer.chat_template:
        raise TrainError(f"the tokenizer of '{config.model}' has no chat template: give one with "
                         "`chat_template: FILE` in the config")
    return tokenizer


def lora_config(config: TrainConfig):
    """The peft LoraConfig when ``config.lora``, else None."""
    if not config.lora:
        return None
    from peft import LoraConfig

    return LoraConfig(r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
                      target_modules=config.target_modules, task_type="CAUSAL_LM")


def checkpoints(out: Path) -> list[Path]:
    """The checkpoint folders in ``out``, oldest first."""
    found = [p for p in out.glob("checkpoint-*") if p.is_dir() and p.name.split("-", 1)[1].isdigit()]
    return sorted(found, key=lambda p: int(p.name.split("-", 1)[1]))


def prepare_output(config: TrainConfig) -> Path | None:
    """Check the output folder against resume/overwrite; return the checkpoint to resume from, if any."""
    out = Path(config.out)
    if out.exists() and not out.is_dir():
        raise TrainError(f"--out {out} is a file, not a folder")
    existing = checkpoints(out) if out.is_dir() else []
    if config.resume:
        if not existing:
            raise TrainError(f"--resume: {out} holds no checkpoint to resume from")
        return existing[-1]
    if existing and not config.overwrite:
        raise TrainError(f"{out} already holds checkpoints (newest: {existing[-1].name}); pass --resume to continue "
                         "from it or --overwrite to start afresh")
    if existing and is_main_process():
        for path in existing:
            shutil.rmtree(path)
    return None


def _last_loss(log: list[dict[str, Any]]) -> float | None:
    for entry in reversed(log):
        if "loss" in entry:
            return float(entry["loss"])
    return None


def run(config: TrainConfig, rows: int, make_trainer: Callable[[Any, Any, Hardware], Any]) -> TrainResult:
    """Train with the trainer ``make_trainer(model, tokenizer, hardware)`` builds, save, and report.

    The model and tokenizer are loaded here, after the output folder is checked, so that a bad
    ``--resume`` fails before minutes of loading.
    """
    # TRL 1.16 still calls a transformers method that 5.24 renamed; the warning is theirs, not the user's
    warnings.filterwarnings("ignore", message=r".*is_gradient_checkpointing.* is deprecated", category=FutureWarning)
    resume_from = prepare_output(config)
    hardware = choose_hardware(config)
    merge_at_end = config.lora and is_adapter_folder(config.model)
    tokenizer = load_tokenizer(config)
    model = load_model(config)
    try:
        trainer = make_trainer(model, tokenizer, hardware)
    except ValueError as err:  # TRL refuses a setting or a dataset: say which, without its traceback
        raise TrainError(f"the {config.method} trainer refused the setup: {_first_line(err)}") from None
    started = time.monotonic()
    output = trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
    seconds = time.monotonic() - started
    out = Path(config.out)
    if merge_at_end:
        # the adapter was trained on a merged base that exists nowhere on disk: save the merged whole
        if trainer.is_world_process_zero():
            unwrapped = trainer.accelerator.unwrap_model(trainer.model)
            unwrapped.merge_and_unload().save_pretrained(out)
            tokenizer.save_pretrained(out)
        trainer.accelerator.wait_for_everyone()
    else:
        trainer.save_model(str(out))  # the model or adapter, and the tokenizer (main process only)
    return TrainResult(
        method=config.method, out=out, base_model=config.model, adapter=config.lora and not merge_at_end,
        steps=trainer.state.global_step, loss=_last_loss(trainer.state.log_history),
        mean_loss=None if math.isnan(output.training_loss) else output.training_loss,
        rows=rows, seconds=seconds, resumed_from=resume_from.name if resume_from else None,
        is_main=trainer.is_world_process_zero(), hardware=hardware.describe(), log=list(trainer.state.log_history),
    )
