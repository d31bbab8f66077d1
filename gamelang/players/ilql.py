"""ILQL value heads over a causal LM, and the advantage-weighted decoding the ``hf:`` player does with them.

Implicit language Q-learning (``gamelang train ilql``, ``trainers/ilql.py``) learns, on the LM's
final hidden state ``h`` of every position (the input of its output layer):

* a value head ``V(h)``: a two-layer MLP to one number;
* twin Q heads ``Q1``, ``Q2`` and their Polyak-averaged targets: each a two-layer MLP from ``h`` to
  a vector of the hidden size, scored against the LM's own output embeddings, so that
  ``Q(h)[a] = g(h) . E[a]`` gives a value to every token ``a`` without a vocabulary-sized layer
  per head (a vocabulary of 150k tokens would make each head larger than a small model).

A model folder that holds ``ilql_heads.pt`` (and ``ilql.json``) decodes with the logits
``logits + beta * (min(Q1_target, Q2_target) - V)``: the LM's policy, shifted toward the tokens the
heads value above the state's value. This module imports torch: import it only where torch is
needed.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import torch
from torch import nn

HEADS_FILE = "ilql_heads.pt"
CONFIG_FILE = "ilql.json"


def _mlp(width: int, hidden: int, out: int) -> nn.Sequential:
    layer = nn.Linear(hidden, out)
    # the last layer starts at zero: Q = V = 0, so decoding starts as the LM's own policy
    nn.init.zeros_(layer.weight)
    nn.init.zeros_(layer.bias)
    return nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), layer)


class ValueHeads(nn.Module):
    """V, twin Q and target Q heads on hidden states of size ``width``."""

    def __init__(self, width: int, hidden: int | None = None) -> None:
        super().__init__()
        hidden = hidden or 2 * width
        self.width, self.hidden = width, hidden
        self.v = _mlp(width, hidden, 1)
        self.q1, self.q2 = _mlp(width, hidden, width), _mlp(width, hidden, width)
        self.target_q1, self.target_q2 = _mlp(width, hidden, width), _mlp(width, hidden, width)
        self.sync_targets(1.0)
        for p in [*self.target_q1.parameters(), *self.target_q2.parameters()]:
            p.requires_grad_(False)

    def value(self, h: torch.Tensor) -> torch.Tensor:
        """V(h): one value per state (the last dimension of ``h`` is removed)."""
        return self.v(h).squeeze(-1)

    def q(self, h: torch.Tensor, embeddings: torch.Tensor, which: str = "q1") -> torch.Tensor:
        """Q(h)[a] for every token a: the head's vector scored against the output embeddings."""
        return getattr(self, which)(h) @ embeddings.t()

    def advantage(self, h: torch.Tensor, embeddings: torch.Tensor) -> torch.Tensor:
        """min(Q1_target, Q2_target) - V, per token: what decoding adds (times beta) to the logits."""
        q = torch.minimum(self.q(h, embeddings, "target_q1"), self.q(h, embeddings, "target_q2"))
        return q - self.value(h).unsqueeze(-1)

    @torch.no_grad()
    def sync_targets(self, rate: float) -> None:
        """Polyak averaging: target <- (1 - rate) * target + rate * online (rate 1 copies)."""
        for online, target in ((self.q1, self.target_q1), (self.q2, self.target_q2)):
            for p, t in zip(online.parameters(), target.parameters()):
                t.mul_(1.0 - rate).add_(p.detach(), alpha=rate)


def output_embeddings(model: Any) -> torch.Tensor:
    """The LM's output embedding matrix (vocabulary x hidden), detached: Q heads read it, never train it."""
    return model.get_output_embeddings().weight.detach()


@contextmanager
def final_hidden(model: Any, last_only: bool = False) -> Iterator[list[torch.Tensor | None]]:
    """Capture the input of the model's output layer (its final hidden states) while the block runs.

    Yields a one-element list that holds the newest captured tensor (``[:, -1, :]`` with
    ``last_only``). Training and decoding both read the hidden states this way, so the heads see
    the same tensor in both, whatever the architecture calls it.
    """
    box: list[torch.Tensor | None] = [None]

    def hook(_module, args):
        box[0] = args[0][:, -1, :] if last_only else args[0]

    handle = model.get_output_embeddings().register_forward_pre_hook(hook)
    try:
        yield box
    finally:
        handle.remove()


def has_heads(folder: str | Path) -> bool:
    """Whether a model folder holds ILQL heads."""
    return (Path(folder) / HEADS_FILE).is_file()


def save_heads(folder: str | Path, heads: ValueHeads, settings: dict[str, Any]) -> None:
    """Write the heads' weights and their settings (sizes, beta, the training settings) beside a model."""
    folder = Path(folder)
    torch.save(heads.state_dict(), folder / HEADS_FILE)
    info = {"width": heads.width, "hidden": heads.hidden, **settings}
    (folder / CONFIG_FILE).write_text(json.dumps(info, indent=2), encoding="utf-8")


def load_heads(folder: str | Path, device: Any = "cpu") -> tuple[ValueHeads, dict[str, Any]]:
    """The heads saved in a model folder, and their settings; ValueError when they cannot be read."""
    folder = Path(folder)
    try:
        info = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
        heads = ValueHeads(int(info["width"]), int(info["hidden"]))
        heads.load_state_dict(torch.load(folder / HEADS_FILE, map_location="cpu", weights_only=True))
    except (OSError, KeyError, TypeError, ValueError, RuntimeError) as err:
        raise ValueError(f"cannot load the ILQL heads in {folder}: {type(err).__name__}: {err}") from None
    heads.to(device)
    heads.eval()
    return heads, info


class AdvantageLogits:
    """``beta * (min(Q_target) - V)`` of the last hidden state: the logits adjustment of ILQL decoding."""

    def __init__(self, model: Any, heads: ValueHeads, beta: float) -> None:
        self.model, self.heads, self.beta = model, heads, beta

    @torch.no_grad()
    def __call__(self, hidden: torch.Tensor) -> torch.Tensor:
        weights = next(self.heads.parameters())
        h = hidden.to(device=weights.device, dtype=weights.dtype)
        embeddings = output_embeddings(self.model).to(device=weights.device, dtype=weights.dtype)
        return self.beta * self.heads.advantage(h, embeddings)
