"""Tiny local models for tests, examples and benchmarks (no download needed).

:func:`build_tiny_model` trains a small byte-level BPE tokenizer on game text, builds a small
Llama model from a config, and saves both to a folder, so that they load through the same
``from_pretrained`` path as any real model. The model's weights are random: its replies are
nonsense, which is what a test of the machinery needs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

#: A chat template with {% generation %} markers, so TRL can train on assistant turns only.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>\n' }}"
    "{% if message['role'] == 'assistant' %}{% generation %}{{ message['content'] + '</s>' }}{% endgeneration %}"
    "{% else %}{{ message['content'] + '</s>' }}{% endif %}"
    "{{ '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}"
)

#: A two-role game that accepts any reply, three rounds long: equal work per episode for
#: benchmarks and token-level tests (every reply is parsed, nothing aborts).
CHATTER_GAME = """
game chatter { version 1 }
instance { topic: str = "the weather" }
role a { system "You talk." intro "Talk about {{ topic }}." }
role b { intro "Answer your partner." }
var rounds: int = 0
move line_a by a = regex /(?s)(?P<text>.*)/
move line_b by b = regex /(?s)(?P<text>.*)/
state talk {
  ask a
  parse line_a
  tell b "{{ line_a.text }}"
  ask b
  parse line_b
  set rounds = rounds + 1
  if rounds >= 3 end win
  tell a "{{ line_b.text }}"
  goto talk
}
limits { requests 6 reply_tokens 12 }
"""

SPECIAL_TOKENS = ["<pad>", "<s>", "</s>", "<unk>", "<|system|>", "<|user|>", "<|assistant|>"]


#: The texts a tiny tokenizer is trained on by default: a few game replies and the shipped games'
#: text, as a fixed snapshot (of commit b0c384c). A snapshot and not the games as they are now, so
#: that editing a game does not change the tiny models that tests and examples build from a seed
#: (and with them every outcome those tests fix by their seeds).
TINY_CORPUS = Path(__file__).resolve().with_name("tiny_corpus.json")


def _default_texts() -> list[str]:
    return json.loads(TINY_CORPUS.read_text(encoding="utf-8"))


def build_tiny_model(folder: Path | str, texts: Iterable[str] | None = None, vocab_size: int = 600,
                     hidden_size: int = 64, layers: int = 2, seed: int = 0, heads: int = 4,
                     split_lines: bool = False) -> Path:
    """Build and save a tiny Llama model and tokenizer; return the folder.

    ``texts`` train the tokenizer (default: :data:`TINY_CORPUS`, the shipped games' text). ``split_lines`` keeps every
    line break a token of its own, so that no token spans the end of the generation prompt
    (``<|assistant|>`` and a line break) and the start of an answer: a model trained on such text
    is then asked to continue from a boundary it has seen. ``heads`` must divide ``hidden_size``.
    """
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    raw = Tokenizer(models.BPE(unk_token="<unk>"))
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False)
    if split_lines:
        raw.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split("\n", behavior="isolated"), byte_level])
    else:
        raw.pre_tokenizer = byte_level
    raw.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    raw.train_from_iterator(list(texts) if texts is not None else _default_texts(), trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=raw, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                                        unk_token="<unk>", additional_special_tokens=SPECIAL_TOKENS[4:])
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(folder)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden_size, intermediate_size=hidden_size * 2,
        num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=max(1, heads // 2),
        max_position_embeddings=4096,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    LlamaForCausalLM(config).save_pretrained(folder)
    return folder
