"""Training backends on game episodes: SFT, DPO and KTO with TRL (see docs/training.md).

``train(config)`` runs the method the config belongs to; ``trainers.config.load_config`` builds
configs from a YAML file and overrides. Each method also has its own module (``trainers.sft``,
``trainers.dpo``, ``trainers.kto``) with a ``train(config) -> TrainResult``. Nothing heavy is
imported until a training run starts.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .common import TrainResult
    from .config import TrainConfig


def train(config: "TrainConfig") -> "TrainResult":
    """Train with the method of ``config`` (an SFT, DPO or KTO config) and return what it produced."""
    return import_module(f"{__name__}.{config.method}").train(config)
