"""KTO on unpaired (prompt, completion, label) rows with TRL's KTOTrainer (the JOSH harvest).

Desirable rows (label true) are pulled up and undesirable ones pushed down, each against a frozen
reference (the starting model; with LoRA, the model with its adapter off). When one kind is much
rarer, raise its weight (``desirable_weight`` / ``undesirable_weight``).
"""

from __future__ import annotations

from . import common
from .config import KTOTrainConfig, TrainConfig
from .data import load_dataset


def trl_config(config: KTOTrainConfig, hardware: common.Hardware):
    """TRL's KTOConfig for ours."""
    from trl import KTOConfig

    return KTOConfig(**common.training_arguments(config, hardware), beta=config.beta,
                     desirable_weight=config.desirable_weight, undesirable_weight=config.undesirable_weight,
                     precompute_ref_log_probs=config.precompute_ref_log_probs)


def train(config: TrainConfig) -> common.TrainResult:
    """Train ``config.model`` on the judged completions in ``config.data``; save to ``config.out``."""
    from trl import KTOTrainer

    assert isinstance(config, KTOTrainConfig), "train() of kto takes a KTO config"
    config.require_paths()
    common.check_model_path(config)
    dataset = load_dataset(config.data, "kto")

    def make_trainer(model, tokenizer, hardware):
        return KTOTrainer(model=model, args=trl_config(config, hardware), train_dataset=dataset,
                          processing_class=tokenizer, peft_config=common.lora_config(config))

    return common.run(config, len(dataset), make_trainer)
