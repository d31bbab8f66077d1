"""Direct preference optimisation on (prompt, chosen, rejected) pairs with TRL's DPOTrainer.

The reference model is a frozen copy of the starting model (with LoRA: the model with its adapter
switched off, so no copy is made). Start DPO from the SFT model, as Playpen does: the reference
should already play the game's format.
"""

from __future__ import annotations

from . import common
from .config import DPOTrainConfig, TrainConfig
from .data import load_dataset


def trl_config(config: DPOTrainConfig, hardware: common.Hardware):
    """TRL's DPOConfig for ours."""
    from trl import DPOConfig

    return DPOConfig(**common.training_arguments(config, hardware), beta=config.beta, loss_type=[config.loss_type],
                     precompute_ref_log_probs=config.precompute_ref_log_probs)


def train(config: TrainConfig) -> common.TrainResult:
    """Train ``config.model`` on the preference pairs in ``config.data``; save to ``config.out``."""
    from trl import DPOTrainer

    assert isinstance(config, DPOTrainConfig), "train() of dpo takes a DPO config"
    config.require_paths()
    common.check_model_path(config)
    dataset = load_dataset(config.data, "dpo")

    def make_trainer(model, tokenizer, hardware):
        return DPOTrainer(model=model, args=trl_config(config, hardware), train_dataset=dataset,
                          processing_class=tokenizer, peft_config=common.lora_config(config))

    return common.run(config, len(dataset), make_trainer)
