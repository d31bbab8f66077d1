"""Players that work on tokens: a tokenizer's chat template around any batched generation backend.

:class:`TokenChatPlayer` turns requests into prompt ids, hands a batch of rows to a backend, and
answers with :class:`~gamelang.turns.Completion` objects that keep the sampled ids, their
log-probabilities and the decoded text the game parses. The backend is any callable from rows to
:class:`Generated` results: the ``hf:`` player's is a transformers model; a trainer supplies its own
(TRL's model, or a vLLM client), so that the rollout does not own the model.

Prompts are built by extension: on a role's later turns the player renders the conversation with
the chat template, checks that the text the role's ids stand for is a prefix of it (the template
renders the history as a stable prefix), and tokenises only the new part. The ids of an episode
are then exactly the ids the model was given and sampled, which is what GRPO must train on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from ..turns import Completion
from .base import Player, PlayerError, Request


@dataclass(frozen=True)
class GenerationRow:
    """One sequence for a backend to continue."""

    prompt_ids: list[int]
    max_new_tokens: int
    temperature: float  # 0: greedy
    top_p: float
    seed: int
    min_new_tokens: int = 0


@dataclass(frozen=True)
class Generated:
    """What a backend sampled for one row: ids up to and including the stop token, if one came."""

    token_ids: list[int]
    logprobs: list[float] | None
    finish_reason: str  # "stop" or "length"


#: A generation backend: one result per row, in order. It may raise on out-of-memory.
GenerateFn = Callable[[list[GenerationRow]], list[Generated]]


class PrefixError(Exception):
    """The chat template does not render a conversation's history as a stable prefix."""


def is_out_of_memory(err: BaseException) -> bool:
    """Whether a backend failed for lack of (accelerator) memory: then a smaller batch may succeed."""
    return (isinstance(err, MemoryError) or type(err).__name__ == "OutOfMemoryError"
            or "out of memory" in str(err).lower())


class TokenChatPlayer(Player):
    """A chat model at the token level: chat template + tokenizer + a batched generation backend.

    ``owner`` names the tokenizer (ids of another owner are never extended). ``stop_ids`` adds
    end-of-turn ids to the tokenizer's end of text. ``extend=False``
    re-renders and re-tokenises the whole conversation every turn (for chat templates that
    rewrite earlier turns); the default extends the role's previous ids and refuses templates
    that are not prefix-stable with a clear error.
    """

    def __init__(self, spec: str, tokenizer: Any, generate: GenerateFn, *, owner: str,
                 temperature: float = 0.0, top_p: float = 1.0, max_new_tokens: int | None = None,
                 min_new_tokens: int = 0, batch_size: int = 32, seed: int = 0, extend: bool = True,
                 chat_template: str | None = None, stop_ids: Sequence[int] = ()) -> None:
        super().__init__(spec)
        self.tokenizer = tokenizer
        self.backend = generate
        self.owner = owner
        self.temperature, self.top_p = temperature, top_p
        self.max_new_tokens, self.min_new_tokens = max_new_tokens, min_new_tokens
        self.batch_size = max(1, batch_size)
        self.seed = seed
        self.extend = extend
        self.chat_template = chat_template
        # a reply ends at any of these (the tokenizer's end of text and e.g. the model's end of turn)
        self.stop_ids = stop_token_ids(tokenizer, stop_ids)

    # ------------------------------------------------------------------ prompts
    def render(self, messages: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]] = ()) -> str:
        """The prompt text of a conversation: the chat template with the generation prompt (and the
        role's tools, for templates that describe them: the model then calls them in its own form)."""
        extra = {"tools": [{"type": "function", "function": t} for t in tools]} if tools else {}
        return self.tokenizer.apply_chat_template(list(messages), add_generation_prompt=True, tokenize=False,
                                                  chat_template=self.chat_template, **extra)

    def encode(self, text: str) -> list[int]:
        """Token ids of rendered text (the template already holds every special token)."""
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def prompt(self, request: Request) -> tuple[list[int], list[int], str, bool]:
        """(new prompt ids, the whole context's ids, the rendered prompt text, whether it extends).

        Raises :class:`PrefixError` when extending and the template rewrote the history.
        """
        text = self.render(request.messages, request.view.tools if request.view is not None else ())
        history = [t for t in request.history if t.owner == self.owner]
        if not self.extend or not history:
            ids = self.encode(text)
            return ids, ids, text, False
        context: list[int] = []
        for turn in history:
            if not turn.extends:
                context = []
            context += list(turn.prompt_ids) + list(turn.token_ids)
        last = history[-1]
        prefix = last.prompt_text + last.text
        if last.finish_reason == "stop" and last.token_ids:
            prefix += self.tokenizer.decode([last.token_ids[-1]], skip_special_tokens=False)
        if not text.startswith(prefix):
            at = next((i for i, (a, b) in enumerate(zip(prefix, text)) if a != b), min(len(prefix), len(text)))
            raise PrefixError(
                f"the chat template of {self.owner} does not render the conversation as a stable prefix: after "
                f"the reply of turn {len(history)}, the rendered text differs at character {at} "
                f"(expected {prefix[at:at + 30]!r}, rendered {text[at:at + 30]!r}). Token-level turns extend the ids "
                "that were sampled, so the template must only append; give one that does with ?chat_template=FILE, "
                "or re-tokenise every turn with ?tokens=render")
        delta = self.encode(text[len(prefix):])
        return delta, context + delta, text, True

    # ------------------------------------------------------------------ answering
    def respond(self, requests: list[Request]) -> list[Completion | PlayerError]:
        out: list[Completion | PlayerError] = [PlayerError("not generated")] * len(requests)
        rows: list[tuple[int, GenerationRow, list[int], str, bool]] = []
        for i, request in enumerate(requests):
            try:
                delta, context, text, extends = self.prompt(request)
            except PrefixError as err:
                out[i] = PlayerError(str(err))
                continue
            except Exception as err:  # a template that fails on this conversation fails this request only
                out[i] = PlayerError(f"chat template failed: {type(err).__name__}: {err}")
                continue
            rows.append((i, self._row(request, context), delta, text, extends))
        # longest prompts first: sub-batches of similar lengths waste less padding
        rows.sort(key=lambda r: -len(r[1].prompt_ids))
        for start in range(0, len(rows), self.batch_size):
            chunk = rows[start:start + self.batch_size]
            results = self._generate([r[1] for r in chunk])
            for (i, _, delta, text, extends), result in zip(chunk, results, strict=True):
                out[i] = result if isinstance(result, PlayerError) else self._completion(result, delta, text, extends)
        return out

    def _row(self, request: Request, context: list[int]) -> GenerationRow:
        sampling = request.sampling
        temperature = self.temperature if sampling.temperature is None else sampling.temperature
        budget = sampling.max_tokens or self.max_new_tokens or request.max_tokens
        return GenerationRow(context, budget, temperature, self.top_p if sampling.top_p is None else sampling.top_p,
                             (request.seed + self.seed) & 0x7FFF_FFFF_FFFF_FFFF,
                             min(self.min_new_tokens, budget))

    def _generate(self, rows: list[GenerationRow]) -> list[Generated | PlayerError]:
        """Generate a batch; on out-of-memory, halve it and try each half (down to one row)."""
        try:
            results = self.backend(rows)
            if len(results) != len(rows):
                raise RuntimeError(f"the backend answered {len(results)} of {len(rows)} rows")
            return list(results)
        except Exception as err:
            if is_out_of_memory(err) and len(rows) > 1:
                half = len(rows) // 2
                return self._generate(rows[:half]) + self._generate(rows[half:])
            return [PlayerError(f"generation failed: {type(err).__name__}: {err}")] * len(rows)

    def _completion(self, result: Generated, delta: list[int], prompt_text: str, extends: bool) -> Completion:
        ids = list(result.token_ids)
        body = ids[:-1] if result.finish_reason == "stop" and ids and ids[-1] in self.stop_ids else ids
        text = self.tokenizer.decode(body, skip_special_tokens=False)
        return Completion(text, tuple(ids), tuple(result.logprobs) if result.logprobs is not None else None,
                          result.finish_reason, tuple(delta), prompt_text, extends, self.owner)

    def generate(self, conversations: list[list[dict[str, Any]]], max_new_tokens: int) -> list[str]:
        """Reply texts for bare conversations, in one batch (a convenience outside of episodes)."""
        requests = [Request(("", "", str(i), 0, ""), "user", conv, max_new_tokens, seed=i)
                    for i, conv in enumerate(conversations)]
        replies = self.respond(requests)
        for reply in replies:
            if isinstance(reply, PlayerError):
                raise reply
        return [r.text for r in replies]  # type: ignore[union-attr]


def stop_token_ids(tokenizer: Any, extra: Sequence[int] = ()) -> frozenset[int]:
    """The ids that end a turn: the tokenizer's end of text plus any the model adds."""
    ids = set(extra)
    if tokenizer.eos_token_id is not None:
        ids.add(int(tokenizer.eos_token_id))
    return frozenset(ids)
