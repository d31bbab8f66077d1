"""Training settings: one pydantic model per method, read from a YAML file and overridden by flags.

Every key has a default and a description; the description is what docs/training.md shows
(:func:`keys_table` renders the table, and a test checks the page holds it). Unknown keys are
errors that name the key and the closest known one, so a typo never trains with a silent default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator


class ConfigError(Exception):
    """A training configuration that cannot be used (unknown key, bad value, unreadable file)."""


#: Names other tools use for our keys (TRL / transformers argument names): a hint, not an alias,
#: so that each setting has exactly one spelling in a gamelang config.
FOREIGN_NAMES = {
    "learning_rate": "lr",
    "num_train_epochs": "epochs",
    "per_device_train_batch_size": "batch_size",
    "gradient_accumulation_steps": "gradient_accumulation",
    "output_dir": "out",
    "model_name_or_path": "model",
    "dataset": "data",
    "train_file": "data",
    "use_peft": "lora",
    "lora_target_modules": "target_modules",
    "bf16": "precision",
    "fp16": "precision",
    "resume_from_checkpoint": "resume",
    "warmup_steps": "warmup",
    "warmup_ratio": "warmup",
}


class TrainConfig(BaseModel):
    """The settings every method shares."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    model: Optional[str] = Field(None, description="The model to start from: a folder written by `save_pretrained` "
                                 "(a LoRA adapter folder too) or a Hugging Face hub id. Required.")
    data: list[str] = Field(default_factory=list, description="The training data: JSONL or parquet files written by "
                            "`gamelang export` (a path or a list of paths). Required.")
    out: Optional[str] = Field(None, description="The output folder: checkpoints while training, then the model (or "
                               "adapter) and its tokenizer. Required.")
    lr: Optional[float] = Field(None, description="Peak learning rate. Default: 2e-5 for sft, 1e-6 for dpo and kto "
                                "(TRL's defaults), 5e-7 for grpo (Playpen's), 1e-5 for ilql; LoRA usually wants about 10x more.")
    epochs: float = Field(1.0, description="Passes over the data (ignored when `max_steps` is set).")
    max_steps: Optional[int] = Field(None, description="Stop after this many optimizer steps (overrides `epochs`).")
    batch_size: int = Field(4, ge=1, description="Rows per device per forward pass.")
    gradient_accumulation: int = Field(1, ge=1, description="Forward passes per optimizer step (effective batch = "
                                       "batch_size x gradient_accumulation x processes).")
    max_length: Optional[int] = Field(1024, description="Truncate tokenised rows to this many tokens (null: never).")
    lr_scheduler: str = Field("linear", description="Learning-rate schedule (a transformers `lr_scheduler_type`: "
                              "linear, cosine, constant, constant_with_warmup, ...).")
    warmup: float = Field(0, ge=0, description="Linear learning-rate warmup: a number of steps (1 or more) or a "
                          "share of all steps (below 1).")
    weight_decay: float = Field(0.0, ge=0, description="AdamW weight decay.")
    max_grad_norm: float = Field(1.0, description="Gradient clipping norm.")
    lora: bool = Field(False, description="Train a LoRA adapter (peft) instead of every weight.")
    lora_r: int = Field(16, ge=1, description="LoRA rank.")
    lora_alpha: int = Field(32, ge=1, description="LoRA scaling numerator (the update is scaled by alpha / r).")
    lora_dropout: float = Field(0.05, ge=0, lt=1, description="Dropout on the LoRA branch.")
    target_modules: Union[str, list[str]] = Field("all-linear", description="Modules that get LoRA weights: a list "
                                                  "of module names, or `all-linear` (every linear layer but the "
                                                  "output head).")
    dtype: Literal["float32", "bfloat16", "float16", "auto"] = Field(
        "float32", description="Dtype the weights are loaded in; float32 keeps full-precision master weights under "
        "mixed precision (`auto`: the checkpoint's own dtype).")
    precision: Literal["auto", "bf16", "fp16", "fp32"] = Field(
        "auto", description="Mixed precision. `auto`: bf16 on a GPU that supports it, fp16 on an older GPU, fp32 "
        "on CPU.")
    gradient_checkpointing: Optional[bool] = Field(None, description="Recompute activations in the backward pass "
                                                   "to save memory. null (auto): on with a GPU, off on CPU and under FSDP (whose "
                                                   "own setting does it there).")
    chat_template: Optional[str] = Field(None, description="A Jinja chat template file to train (and save) the "
                                         "model with instead of the tokenizer's own.")
    seed: int = Field(0, description="Seed of the data order and the LoRA initialisation.")
    save_steps: int = Field(500, ge=1, description="Write a checkpoint (OUT/checkpoint-STEP) every this many steps.")
    save_total_limit: Optional[int] = Field(2, description="Keep only the newest this many checkpoints (null: all).")
    logging_steps: int = Field(10, ge=1, description="Log the loss every this many steps.")
    report_to: Union[str, list[str]] = Field("none", description="Experiment trackers to report to (`none`, "
                                             "`tensorboard`, `wandb`, ... as transformers names them).")
    resume: bool = Field(False, description="Continue from the newest checkpoint in `out` (the step count goes on).")
    overwrite: bool = Field(False, description="Delete the checkpoints already in `out` and start afresh.")

    @field_validator("data", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        # a single path is the common case; accept it without brackets
        return [value] if isinstance(value, (str, Path)) else value

    @field_validator("data", mode="after")
    @classmethod
    def _as_strings(cls, value: list[Any]) -> list[str]:
        return [str(v) for v in value]

    @model_validator(mode="after")
    def _check_steps(self) -> "TrainConfig":
        if self.max_steps is not None and self.max_steps < 1:
            raise ValueError("max_steps must be at least 1 (leave it out to train for `epochs`)")
        if self.epochs <= 0:
            raise ValueError("epochs must be positive")
        return self

    @property
    def method(self) -> str:
        """The method name (sft, dpo, kto)."""
        return METHOD_OF[type(self)]

    def learning_rate(self) -> float:
        """The learning rate to use: the configured one, else the method's default."""
        return self.lr if self.lr is not None else DEFAULT_LR[self.method]

    def require_paths(self) -> None:
        """Raise ConfigError unless model, data and out are all given."""
        missing = [k for k in ("model", "data", "out") if not getattr(self, k)]
        if missing:
            raise ConfigError("missing " + ", ".join(f"'{k}'" for k in missing) + ": give "
                              + " and ".join(f"--{k}" for k in missing) + " or set them in the config file")


class SFTTrainConfig(TrainConfig):
    """Supervised fine-tuning on whole conversations (`{"messages": [...]}` rows)."""

    assistant_only_loss: bool = Field(True, description="Compute the loss on the assistant turns only (needs "
                                      "`{% generation %}` markers in the chat template; see the section on the loss).")
    packing: bool = Field(False, description="Pack several rows into each `max_length` sequence.")


class DPOTrainConfig(TrainConfig):
    """Direct preference optimisation on (prompt, chosen, rejected) pairs."""

    beta: float = Field(0.1, gt=0, description="How far the policy may move from the reference model "
                        "(higher: closer).")
    loss_type: str = Field("sigmoid", description="The preference loss (`sigmoid` is DPO; TRL also offers "
                           "`ipo`, `hinge`, `robust`, `apo_zero`, ...).")
    precompute_ref_log_probs: bool = Field(False, description="Compute the reference model's "
                                           "log-probabilities once before training (saves memory while training).")


class KTOTrainConfig(TrainConfig):
    """Kahneman-Tversky optimisation on unpaired (prompt, completion, label) rows."""

    beta: float = Field(0.1, gt=0, description="How far the policy may move from the reference model "
                        "(higher: closer).")
    desirable_weight: float = Field(1.0, gt=0, description="Weight of the desirable rows' loss (raise it when "
                                    "they are fewer than the undesirable ones).")
    undesirable_weight: float = Field(1.0, gt=0, description="Weight of the undesirable rows' loss.")
    precompute_ref_log_probs: bool = Field(False, description="Compute the reference model's "
                                           "log-probabilities once before training (saves memory while training).")

    @model_validator(mode="after")
    def _kl_needs_batches(self) -> "KTOTrainConfig":
        # KTO estimates its KL term from the other rows of a batch: a batch of one has no others
        if self.batch_size < 2:
            raise ValueError("kto needs batch_size of at least 2 (its KL estimate pairs rows within a batch)")
        return self


class GRPOTrainConfig(TrainConfig):
    """Online GRPO: the policy plays whole games against partners; the games' rewards train it."""

    #: Shared keys that mean nothing here (the games are the data; episodes are never truncated).
    UNUSED_KEYS: ClassVar[frozenset[str]] = frozenset({"data", "max_length"})

    games: list[str] = Field(default_factory=list, description="The games to train on: names or game files (a "
                             "list, or one comma-separated string). Required.")
    learner: Optional[str] = Field(None, description="The role the policy plays in every game. Required.")
    partners: dict[str, str] = Field(default_factory=dict, description="Who plays the other roles: role -> "
                                     "player spec (`scripted`, `hf:...`, `openai:...`); a role left out is "
                                     "played by the scripted player.")
    group: int = Field(8, ge=2, description="Episodes per instance per step (GRPO's G, TRL's `num_generations`); "
                       "advantages are normalised within each group.")
    batch_size: int = Field(8, ge=1, description="Rows per device per forward pass.")
    temperature: float = Field(1.0, gt=0, description="Sampling temperature of the policy's turns (above 0: "
                               "the episodes of a group must differ to be compared).")
    top_p: float = Field(1.0, gt=0, le=1, description="Nucleus sampling of the policy's turns.")
    max_new_tokens: Optional[int] = Field(None, ge=1, description="Tokens the policy may write per turn (null: "
                                          "each game's `reply_tokens`).")
    beta: float = Field(0.04, ge=0, description="How far the policy may move from the reference model "
                        "(higher: closer).")
    split: Optional[Literal["train", "test"]] = Field("train", description="Which side of the train/test "
                                                      "instance split to play (`all` or null: every instance).")
    test_share: float = Field(0.2, ge=0, le=1, description="The share of instances on the test side of the split.")
    split_seed: int = Field(0, description="The seed of the train/test split (as `gamelang run --split-seed`).")
    experiments: list[str] = Field(default_factory=list, description="Only these experiments of the games "
                                   "(empty: all).")
    limit: Optional[int] = Field(None, ge=1, description="At most this many instances per game (null: all).")
    logging_steps: int = Field(1, ge=1, description="Log the loss every this many steps.")
    use_vllm: bool = Field(False, description="Generate the policy's turns with TRL's vLLM engine (a GPU and "
                           "`pip install vllm`); see the GRPO section.")
    vllm_mode: Literal["colocate", "server"] = Field("colocate", description="`colocate`: a vLLM engine inside each "
                                                     "training process; `server`: a `trl vllm-serve` server (one "
                                                     "training process).")
    vllm_server_base_url: Optional[str] = Field(None, description="The server's URL in server mode (null: "
                                                "http://localhost:8000).")
    vllm_gpu_memory_utilization: float = Field(0.3, gt=0, le=1, description="The share of GPU memory a colocated "
                                               "vLLM engine may take.")
    vllm_max_model_length: Optional[int] = Field(None, ge=1, description="The longest context vLLM must hold: a "
                                                 "whole episode (null: the model's own limit).")

    @model_validator(mode="before")
    @classmethod
    def _refuse_unused(cls, values: Any) -> Any:
        if isinstance(values, dict):
            for key in sorted(cls.UNUSED_KEYS & set(values)):
                if values[key] not in (None, [], ""):
                    raise ValueError(f"key '{key}' is for sft, dpo, kto, not grpo (grpo plays the games in 'games')")
        return values

    @field_validator("split", mode="before")
    @classmethod
    def _all_is_none(cls, value: Any) -> Any:
        # `--set split=null` cannot clear a key (a null override means "not given"), so `all` says it
        return None if value == "all" else value

    @field_validator("games", "experiments", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("partners", mode="before")
    @classmethod
    def _role_specs(cls, value: Any) -> Any:
        # the command line gives ROLE=SPEC strings; a YAML file gives a mapping
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            out = {}
            for item in value:
                role, sep, spec = str(item).partition("=")
                if not sep or not role.strip() or not spec.strip():
                    raise ValueError(f"a partner is ROLE=SPEC, got '{item}'")
                out[role.strip()] = spec.strip()
            return out
        return value

    def require_paths(self) -> None:
        """Raise ConfigError unless model, games, learner and out are all given."""
        missing = [k for k in ("model", "games", "learner", "out") if not getattr(self, k)]
        if missing:
            raise ConfigError("missing " + ", ".join(f"'{k}'" for k in missing) + ": give "
                              + " and ".join(f"--{k}" for k in missing) + " or set them in the config file")


class ILQLTrainConfig(TrainConfig):
    """Offline RL by implicit language Q-learning on exported conversations with their episodes' rewards."""

    gamma: float = Field(0.99, ge=0, le=1, description="Discount per learner token of the Q targets (r + gamma "
                         "V(next)).")
    tau: float = Field(0.7, gt=0, lt=1, description="The expectile V is regressed to (0.5: the mean of Q; toward 1: "
                       "its maximum over the data's actions).")
    cql_weight: float = Field(0.1, ge=0, description="Weight of the conservative term on the Q logits "
                              "(logsumexp Q - Q of the data's token).")
    bc_weight: float = Field(1.0, ge=0, description="Weight of the LM's own cross-entropy on the learner's tokens "
                             "(the behaviour policy that decoding reweights).")
    polyak: float = Field(0.005, gt=0, le=1, description="Rate of the target Q heads' Polyak averaging per step.")
    ilql_beta: float = Field(1.0, ge=0, description="Advantage weight at decoding, saved with the heads: "
                             "`hf:OUT` decodes with logits + beta (Q - V); `hf:OUT?ilql_beta=X` overrides it.")
    head_hidden: Optional[int] = Field(None, ge=1, description="Width of the heads' hidden layer (null: twice the "
                                       "model's hidden size).")
    head_lr: Optional[float] = Field(None, gt=0, description="Learning rate of the freshly initialised heads "
                                     "(null: 10 x lr).")


CONFIGS: dict[str, type[TrainConfig]] = {"sft": SFTTrainConfig, "dpo": DPOTrainConfig, "kto": KTOTrainConfig,
                                         "grpo": GRPOTrainConfig, "ilql": ILQLTrainConfig}
METHOD_OF = {cls: name for name, cls in CONFIGS.items()}
DEFAULT_LR = {"sft": 2e-5, "dpo": 1e-6, "kto": 1e-6, "grpo": 5e-7, "ilql": 1e-5}


def _unknown_key_message(method: str, key: str) -> str:
    from gamelang.lang.diagnostics import did_you_mean

    cls = CONFIGS[method]
    owners = [m for m, c in CONFIGS.items() if key in c.model_fields]
    if owners:
        return f"key '{key}' is for {', '.join(owners)}, not {method}"
    if key in FOREIGN_NAMES:
        return f"unknown key '{key}'; gamelang calls it '{FOREIGN_NAMES[key]}'"
    hint = did_you_mean(key, cls.model_fields)
    return f"unknown key '{key}'" + (f"; {hint}" if hint else f" (keys: {', '.join(cls.model_fields)})")


def _validation_message(method: str, err: ValidationError) -> str:
    problems = []
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"])
        if e["type"] == "extra_forbidden":
            problems.append(_unknown_key_message(method, key))
        elif key:
            problems.append(f"'{key}': {e['msg']} (got {e.get('input')!r})")
        else:
            problems.append(e["msg"].removeprefix("Value error, "))
    return "; ".join(problems)


def build_config(method: str, values: dict[str, Any], source: str = "the settings") -> TrainConfig:
    """Validate ``values`` as the config of ``method``; ConfigError names every bad key."""
    if method not in CONFIGS:
        raise ConfigError(f"unknown training method '{method}' (methods: {', '.join(CONFIGS)})")
    try:
        return CONFIGS[method].model_validate(values)
    except ValidationError as err:
        raise ConfigError(f"{source}: {_validation_message(method, err)}") from None


def read_config_file(path: Path | str) -> dict[str, Any]:
    """The mapping in a YAML config file (an empty file is an empty mapping)."""
    from ruamel.yaml import YAML, YAMLError

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"cannot read config {path}: {err.strerror or err}") from None
    try:
        data = YAML(typ="safe").load(text)
    except YAMLError as err:
        raise ConfigError(f"{path} is not valid YAML: {str(err).splitlines()[0]}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping of keys to values, not a {type(data).__name__}")
    return data


def load_config(method: str, path: Path | str | None = None, overrides: dict[str, Any] | None = None) -> TrainConfig:
    """The config of ``method``: defaults, then the YAML file at ``path``, then ``overrides`` (None values skipped)."""
    values = read_config_file(path) if path is not None else {}
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return build_config(method, values, str(path) if path is not None else "the settings")


def parse_assignment(text: str) -> tuple[str, Any]:
    """A `KEY=VALUE` override from the command line; the value is read as YAML (numbers, lists, null)."""
    from ruamel.yaml import YAML, YAMLError

    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set takes KEY=VALUE, got '{text}'")
    try:
        value = YAML(typ="safe").load(raw) if raw.strip() else None
    except YAMLError:
        value = raw
    return key.strip(), value


def keys_table() -> str:
    """The Markdown table of every config key: name, methods, default, description."""
    rows = ["| key | methods | default | meaning |", "|---|---|---|---|"]
    seen: dict[str, list[str]] = {}
    fields = {}
    for method, cls in CONFIGS.items():
        for name, field in cls.model_fields.items():
            if name in getattr(cls, "UNUSED_KEYS", ()):  # inherited but meaningless for this method
                continue
            seen.setdefault(name, []).append(method)
            fields.setdefault(name, field)

    def shown(field) -> str:
        default = field.default_factory() if field.default_factory is not None else field.default
        return "null" if default is None else ("[]" if default == [] else "{}" if default == {} else
                                               str(default).lower() if isinstance(default, bool) else str(default))

    for name, methods in seen.items():
        field = fields[name]
        default = shown(field)
        # a method that changes a shared key's default (grpo's beta, batch_size) is named next to it
        others = [f"{m}: {shown(CONFIGS[m].model_fields[name])}" for m in methods
                  if shown(CONFIGS[m].model_fields[name]) != default]
        description = (field.description or "").replace("|", "\\|")
        owner = "all" if len(methods) == len(CONFIGS) else ", ".join(methods)
        rows.append(f"| `{name}` | {owner} | `{default}`{''.join(f' ({o})' for o in others)} | {description} |")
    return "\n".join(rows) + "\n"
