"""Local Hugging Face transformers models as players: ``hf:PATH_OR_ID[?options]``.

All pending requests of a round go to ``generate`` together (left padding), in sub-batches of
``batch_size``. Options: ``temperature`` (0 = greedy, the default), ``top_p``,
``max_new_tokens`` (default: the game's ``reply_tokens``), ``min_new_tokens`` (no end of text
before that many tokens: equal work per reply, for benchmarks), ``adapter`` (a PEFT adapter folder;
a model folder that holds ``adapter_config.json`` is loaded as an adapter too), ``dtype``
(``auto``, ``float32``, ``bfloat16``, ``float16``), ``device`` (``auto``, ``cpu``, ``cuda``,
``cuda:1``, ...), ``batch_size`` (default 32), ``chat_template`` (a Jinja file to use instead of
the tokenizer's own), ``seed`` (for sampling).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .base import Player, PlayerError, PlayerSpec, PlayerSpecError, Request


class HFPlayer(Player):
    """A transformers causal language model answering with its chat template."""

    def __init__(self, spec: PlayerSpec) -> None:
        super().__init__(spec.text)
        import torch  # heavy: imported only when a model player is used

        self.torch = torch
        self.temperature = spec.option("temperature", 0.0, float)
        self.top_p = spec.option("top_p", 1.0, float)
        self.max_new_tokens = spec.option("max_new_tokens", None, int)
        self.min_new_tokens = spec.option("min_new_tokens", None, int)
        self.batch_size = max(1, spec.option("batch_size", 32, int))
        self.seed = spec.option("seed", 0, int)
        self.generator_calls = 0
        self.model, self.tokenizer = load_model(spec.target, spec.option("adapter", None),
                                                spec.option("dtype", "auto"), spec.option("device", "auto"))
        template = spec.option("chat_template", None)
        if template is not None:
            try:
                self.tokenizer.chat_template = Path(template).read_text(encoding="utf-8")
            except OSError as err:
                raise PlayerSpecError(f"cannot read chat template {template}: {err.strerror}") from None
        if not getattr(self.tokenizer, "chat_template", None):
            raise PlayerSpecError(f"the tokenizer of {spec.target} has no chat template; "
                                  "give one with ?chat_template=FILE")

    def prompt_text(self, messages: list[dict[str, str]]) -> str:
        """The model's input for a conversation, with the generation prompt."""
        return self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)

    def respond(self, requests: list[Request]) -> list[str | PlayerError]:
        out: list[str | PlayerError] = [PlayerError("not generated")] * len(requests)
        # requests that share a token budget are generated together
        by_budget: dict[int, list[int]] = {}
        for i, r in enumerate(requests):
            by_budget.setdefault(self.max_new_tokens or r.max_tokens, []).append(i)
        for budget, indices in by_budget.items():
            for start in range(0, len(indices), self.batch_size):
                chunk = indices[start:start + self.batch_size]
                try:
                    texts = self.generate([requests[i].messages for i in chunk], budget)
                except Exception as err:  # a backend failure (out of memory, bad input) fails these requests only
                    texts = [PlayerError(f"generation failed: {type(err).__name__}: {err}")] * len(chunk)
                for i, text in zip(chunk, texts, strict=True):
                    out[i] = text
        return out

    def generate(self, conversations: list[list[dict[str, str]]], max_new_tokens: int) -> list[str]:
        """Generate one reply per conversation, in one batch."""
        torch = self.torch
        tok = self.tokenizer
        prompts = [self.prompt_text(c) for c in conversations]
        enc = tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.model.device)
        kwargs: dict[str, Any] = {"max_new_tokens": max_new_tokens, "pad_token_id": tok.pad_token_id}
        if self.min_new_tokens:
            kwargs["min_new_tokens"] = min(self.min_new_tokens, max_new_tokens)
        if self.temperature > 0:
            kwargs.update(do_sample=True, temperature=self.temperature, top_p=self.top_p)
            torch.manual_seed(self.seed + self.generator_calls)
        else:
            kwargs.update(do_sample=False)
        self.generator_calls += 1
        with torch.no_grad():
            output = self.model.generate(**enc, **kwargs)
        new_tokens = output[:, enc["input_ids"].shape[1]:]
        return [t.strip() for t in tok.batch_decode(new_tokens, skip_special_tokens=True)]

    def close(self) -> None:
        self.model = None


def load_model(target: str, adapter: str | None = None, dtype: str = "auto", device: str = "auto"):
    """Load a causal LM and its tokenizer (left padding) from a folder or a hub id, with an optional adapter."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # the run's own progress display is enough
    dtypes = {"auto": "auto", "float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
    if dtype not in dtypes:
        raise PlayerSpecError(f"dtype must be one of {', '.join(dtypes)}")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    path = Path(target)
    is_adapter_folder = (path / "adapter_config.json").is_file()
    try:
        if is_adapter_folder or adapter:
            from peft import AutoPeftModelForCausalLM, PeftModel

            if is_adapter_folder:
                model = AutoPeftModelForCausalLM.from_pretrained(target, dtype=dtypes[dtype])
            else:
                base = AutoModelForCausalLM.from_pretrained(target, dtype=dtypes[dtype])
                model = PeftModel.from_pretrained(base, adapter)
            tokenizer_source = target if (path / "tokenizer_config.json").is_file() else model.peft_config[
                "default"].base_model_name_or_path
        else:
            model = AutoModelForCausalLM.from_pretrained(target, dtype=dtypes[dtype])
            tokenizer_source = target
        tokenizer = AutoTokenizer.from_pretrained(tokenizer_source)
    except (OSError, ValueError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise PlayerSpecError(f"cannot load model '{target}': {first}") from None
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.to(device)
    model.eval()
    return model, tokenizer
