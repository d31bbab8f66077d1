"""Local Hugging Face transformers models as players: ``hf:PATH_OR_ID[?options]``.

All pending requests of a round go to ``generate`` together (left padding), longest prompts first,
in sub-batches of ``batch_size`` (halved and retried on out-of-memory). Replies are
:class:`~gamelang.turns.Completion` objects: the sampled ids, their log-probabilities, and exactly
the text they decode to. Each row samples with its own random generator seeded from the
request's seed, so a reply does not depend on which other episodes share its batch.

Options: ``temperature`` (0 = greedy, the default), ``top_p``, ``max_new_tokens`` (default: the
game's ``reply_tokens``), ``min_new_tokens`` (no end of text before that many tokens: equal work
per reply, for benchmarks), ``adapter`` (a PEFT adapter folder; a model folder that holds
``adapter_config.json`` is loaded as an adapter too), ``dtype`` (``auto``, ``float32``,
``bfloat16``, ``float16``), ``device`` (``auto``, ``cpu``, ``cuda``, ``cuda:1``, ...),
``batch_size`` (default 32), ``chat_template`` (a Jinja file to use instead of the tokenizer's
own), ``seed`` (added to every request's seed), ``tokens`` (``extend``, the default: later turns
extend the ids already sampled; ``render``: re-tokenise the whole chat every turn), ``ilql_beta``
(for a model folder that holds ILQL heads, ``ilql_heads.pt`` from ``gamelang train ilql``: the
weight of the advantage added to the logits, ``logits + beta * (Q - V)``; default: the beta saved
with the heads; 0 decodes with the LM alone).

Players of the same model with different sampling options share one loaded copy of it.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any, Callable

from .base import PlayerSpec, PlayerSpecError
from .chat import GenerationRow, Generated, TokenChatPlayer

#: Loaded models shared by players: (target, adapter, dtype, device) -> [model, tokenizer, users].
_LOADED: dict[tuple, list[Any]] = {}


class HFPlayer(TokenChatPlayer):
    """A transformers causal language model answering with its chat template."""

    def __init__(self, spec: PlayerSpec) -> None:
        import torch  # heavy: imported only when a model player is used

        self.torch = torch
        tokens = spec.option("tokens", "extend")
        if tokens not in ("extend", "render"):
            raise PlayerSpecError("tokens must be extend or render")
        self.model_key = (spec.target, spec.option("adapter", None), spec.option("dtype", "auto"),
                          spec.option("device", "auto"))
        if self.model_key not in _LOADED:
            _LOADED[self.model_key] = [*load_model(*self.model_key), 0]
        entry = _LOADED[self.model_key]
        entry[2] += 1
        self.model, tokenizer = entry[0], entry[1]
        template = spec.option("chat_template", None)
        if template is not None:
            try:
                template = Path(template).read_text(encoding="utf-8")
            except OSError as err:
                self.close()
                raise PlayerSpecError(f"cannot read chat template {template}: {err.strerror}") from None
        elif not getattr(tokenizer, "chat_template", None):
            self.close()
            raise PlayerSpecError(f"the tokenizer of {spec.target} has no chat template; "
                                  "give one with ?chat_template=FILE")
        # looked up at each call, so that a benchmark or test can wrap generate_rows
        super().__init__(spec.text, tokenizer, lambda rows: self.generate_rows(rows), owner=spec.target,
                         temperature=spec.option("temperature", 0.0, float), top_p=spec.option("top_p", 1.0, float),
                         max_new_tokens=spec.option("max_new_tokens", None, int),
                         min_new_tokens=spec.option("min_new_tokens", 0, int) or 0,
                         batch_size=spec.option("batch_size", 32, int), seed=spec.option("seed", 0, int),
                         extend=tokens == "extend", chat_template=template,
                         stop_ids=_generation_eos(self.model))
        self.logits_adjust = self._ilql(spec)

    def _ilql(self, spec: PlayerSpec):
        """The advantage-weighted decoding of a folder with ILQL heads (None without heads, or beta 0)."""
        from .ilql import AdvantageLogits, has_heads, load_heads

        beta = spec.option("ilql_beta", None, float)
        if not has_heads(spec.target):
            if beta is not None:
                self.close()
                raise PlayerSpecError(f"ilql_beta: {spec.target} holds no ILQL heads (ilql_heads.pt); "
                                      "train them with gamelang train ilql")
            return None
        try:
            heads, info = load_heads(spec.target, self.model.device)
            # in the model's dtype: the output embeddings are then read as they are, never copied per token
            heads.to(dtype=self.model.get_output_embeddings().weight.dtype)
        except ValueError as err:
            self.close()
            raise PlayerSpecError(str(err)) from None
        beta = float(info.get("beta", 1.0)) if beta is None else beta
        return AdvantageLogits(self.model, heads, beta) if beta else None

    def generate_rows(self, rows: list[GenerationRow]) -> list[Generated]:
        """Generate a batch of rows with the model (the backend of this player)."""
        return generate_with_model(self.model, self.tokenizer, rows, self.stop_ids, self.logits_adjust)

    def close(self) -> None:
        entry = _LOADED.get(self.model_key)
        if entry is not None:
            entry[2] -= 1
            if entry[2] <= 0:
                del _LOADED[self.model_key]
        self.model = None


def _generation_eos(model: Any) -> list[int]:
    eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    if eos is None:
        return []
    return [int(e) for e in (eos if isinstance(eos, (list, tuple)) else [eos])]


def generate_with_model(model: Any, tokenizer: Any, rows: list[GenerationRow], stop_ids: frozenset[int],
                        logits_adjust: Callable[[Any], Any] | None = None) -> list[Generated]:
    """Generate every row in one ``model.generate`` call, each row sampling with its own seed.

    Sampling happens in a logits processor that draws each row's next token from that row's own
    generator and hands ``generate`` a one-hot choice, so the batch only shares the forward pass.
    Each row's log-probabilities are those of the temperature-scaled distribution.

    ``logits_adjust`` (ILQL decoding) maps the batch's final hidden states at the newest position
    (the input of the output layer, captured while ``generate`` runs) to a tensor added to the
    logits before sampling.
    """
    import torch
    from transformers import GenerationConfig, LogitsProcessorList

    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else next(iter(stop_ids))
    width = max(len(r.prompt_ids) for r in rows)
    input_ids = torch.full((len(rows), width), pad, dtype=torch.long)
    attention = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):  # left padding
        input_ids[i, width - len(row.prompt_ids):] = torch.tensor(row.prompt_ids, dtype=torch.long)
        attention[i, width - len(row.prompt_ids):] = 1
    sampler = _RowSampler(rows, stop_ids)
    config = GenerationConfig(max_new_tokens=max(r.max_new_tokens for r in rows), do_sample=False,
                              pad_token_id=pad, eos_token_id=sorted(stop_ids))
    with torch.no_grad(), ExitStack() as stack:
        if logits_adjust is not None:
            from .ilql import final_hidden

            hidden = stack.enter_context(final_hidden(model, last_only=True))  # removed after this call
            sampler.adjust = lambda scores: scores + logits_adjust(hidden[0]).to(scores.device, scores.dtype)
        output = model.generate(input_ids=input_ids.to(model.device), attention_mask=attention.to(model.device),
                                generation_config=config, logits_processor=LogitsProcessorList([sampler]))
    results = []
    for i, row in enumerate(rows):
        new = output[i, width:].tolist()[: row.max_new_tokens]
        stop = next((k for k, t in enumerate(new) if t in stop_ids), None)
        if stop is not None:
            results.append(Generated(new[: stop + 1], sampler.logprobs[i][: stop + 1], "stop"))
        else:
            results.append(Generated(new, sampler.logprobs[i][: len(new)], "length"))
    return results


class _RowSampler:
    """A logits processor that samples each row with its own generator, temperature and top-p."""

    def __init__(self, rows: list[GenerationRow], stop_ids: frozenset[int]) -> None:
        import torch

        self.torch = torch
        self.rows = rows
        self.stop = sorted(stop_ids)
        self.generators = [torch.Generator().manual_seed(r.seed) for r in rows]
        self.logprobs: list[list[float]] = [[] for _ in rows]
        self.step = 0
        self.adjust: Callable[[Any], Any] | None = None  # ILQL: logits -> adjusted logits, before sampling

    def __call__(self, input_ids, scores):
        torch = self.torch
        scores = scores.float()
        if self.adjust is not None:
            scores = self.adjust(scores)
        chosen = torch.empty(scores.shape[0], dtype=torch.long)
        for i, row in enumerate(self.rows):
            logits = scores[i]
            if self.step < row.min_new_tokens and self.stop:
                logits = logits.clone()
                logits[self.stop] = float("-inf")
            if row.temperature > 0:
                logp = torch.log_softmax(logits / row.temperature, dim=-1)
                probs = logp.exp()
                if row.top_p < 1.0:
                    probs = _top_p(torch, probs, row.top_p)
                # inverse-CDF sampling with one uniform draw from this row's own generator:
                # the choice depends on the row's seed only, not on its batch
                u = torch.rand((), generator=self.generators[i]).item() * float(probs.sum())
                token = int(torch.searchsorted(torch.cumsum(probs, dim=-1), torch.tensor([u], device=probs.device))[0].clamp(
                    max=probs.shape[0] - 1))
            else:
                logp = torch.log_softmax(logits, dim=-1)
                token = int(torch.argmax(logits))
            chosen[i] = token
            self.logprobs[i].append(float(logp[token]))
        self.step += 1
        out = torch.full_like(scores, float("-inf"))
        out[torch.arange(scores.shape[0]), chosen.to(out.device)] = 0.0
        return out


def _top_p(torch, probs, top_p: float):
    """Keep the smallest set of most likely tokens whose mass reaches ``top_p``."""
    sorted_probs, order = torch.sort(probs, descending=True)
    keep = torch.cumsum(sorted_probs, dim=-1) - sorted_probs < top_p
    kept = torch.zeros_like(probs)
    kept[order[keep]] = probs[order[keep]]
    return kept


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
