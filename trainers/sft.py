"""Supervised fine-tuning on whole conversations with TRL's SFTTrainer.

The loss covers the assistant turns only (``assistant_only_loss``): the game's prompts and the
partner's turns are context, not targets. TRL finds the assistant tokens through
``{% generation %}`` markers in the chat template, and patches the templates of the model
families it knows. A template it cannot patch is an error before loading the model, with the
ways out (a template file with markers, or ``assistant_only_loss: false``), rather than a
silent fallback that would train on the prompts or drop all but the last turn.
"""

from __future__ import annotations

from . import common
from .config import SFTTrainConfig, TrainConfig
from .data import load_dataset


def check_template(tokenizer, config: SFTTrainConfig) -> None:
    """Raise TrainError unless the chat template can mark assistant tokens (when the loss needs them)."""
    if not config.assistant_only_loss:
        return
    from trl.chat_template_utils import get_training_chat_template, has_generation_markers

    if has_generation_markers(tokenizer.chat_template):
        return
    try:
        get_training_chat_template(tokenizer)
    except ValueError:
        raise common.TrainError(
            f"the chat template of '{config.model}' has no {{% generation %}} markers, so the loss cannot be "
            "limited to the assistant turns; give a template with them (`chat_template: FILE` in the config: "
            "wrap each assistant message, end-of-turn token included, in {% generation %}...{% endgeneration %}), "
            "or set `assistant_only_loss: false` to train on every token") from None


def trl_config(config: SFTTrainConfig, hardware: common.Hardware):
    """TRL's SFTConfig for ours."""
    from trl import SFTConfig

    return SFTConfig(**common.training_arguments(config, hardware),
                     assistant_only_loss=config.assistant_only_loss, packing=config.packing)


def train(config: TrainConfig) -> common.TrainResult:
    """Fine-tune ``config.model`` on the conversations in ``config.data``; save to ``config.out``."""
    from trl import SFTTrainer

    assert isinstance(config, SFTTrainConfig), "train() of sft takes an SFT config"
    config.require_paths()
    common.check_model_path(config)
    dataset = load_dataset(config.data, "sft")
    check_template(common.load_tokenizer(config), config)

    def make_trainer(model, tokenizer, hardware):
        return SFTTrainer(model=model, args=trl_config(config, hardware), train_dataset=dataset,
                          processing_class=tokenizer, peft_config=common.lora_config(config))

    return common.run(config, len(dataset), make_trainer)
