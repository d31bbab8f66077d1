"""Train/test splits of game instances, so that no instance is both trained and tested on.

An instance's side is a pure function of its identity (game name, experiment, instance id), the
test share and a split seed: a hash, not a position in the instance file, so adding or removing
instances never moves the others from one side to the other, and every run, export and machine
agrees on the split without storing it.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any

SPLITS = ("train", "test")
DEFAULT_TEST_SHARE = 0.2
DEFAULT_SPLIT_SEED = 0


class SplitError(ValueError):
    """A split that cannot be used (an unknown name, a share outside 0..1)."""


@dataclass(frozen=True)
class Split:
    """One side of a split: ``name`` is ``train`` or ``test``."""

    name: str
    test_share: float = DEFAULT_TEST_SHARE
    seed: int = DEFAULT_SPLIT_SEED

    def __post_init__(self) -> None:
        if self.name not in SPLITS:
            raise SplitError(f"unknown split '{self.name}' (use train or test)")
        if not 0.0 <= self.test_share <= 1.0:
            raise SplitError(f"--test-share must be between 0 and 1, got {self.test_share}")

    def contains(self, game: str, experiment: str, instance: str) -> bool:
        """Whether this instance is on this side of the split."""
        return side_of(game, experiment, instance, self.test_share, self.seed) == self.name

    def describe(self) -> str:
        """In words, for messages."""
        return f"{self.name} (test share {self.test_share:g}, split seed {self.seed})"

    def as_meta(self) -> dict[str, Any]:
        """The form recorded in run.json."""
        return asdict(self)

    @classmethod
    def from_meta(cls, meta: Any) -> "Split | None":
        """The split recorded in run.json (None when the run used every instance or the entry is unusable)."""
        if not isinstance(meta, dict):
            return None
        try:
            return cls(str(meta["name"]), float(meta.get("test_share", DEFAULT_TEST_SHARE)),
                       int(meta.get("seed", DEFAULT_SPLIT_SEED)))
        except (KeyError, TypeError, ValueError):
            return None


def instance_fraction(game: str, experiment: str, instance: str, seed: int = DEFAULT_SPLIT_SEED) -> float:
    """A number in [0, 1) fixed by the instance's identity and the seed, spread evenly over instances."""
    # NUL separators keep ("a", "bc") and ("ab", "c") apart.
    key = f"{seed}\0{game}\0{experiment}\0{instance}".encode("utf-8")
    digest = hashlib.sha256(key).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def side_of(game: str, experiment: str, instance: str, test_share: float = DEFAULT_TEST_SHARE,
            seed: int = DEFAULT_SPLIT_SEED) -> str:
    """``test`` for about ``test_share`` of all instances, ``train`` for the others."""
    return "test" if instance_fraction(game, experiment, str(instance), seed) < test_share else "train"


def describe_meta(meta: Any) -> str:
    """A split as recorded in run.json, in words (``every instance`` when there was none)."""
    split = Split.from_meta(meta)
    return split.describe() if split else "none (every instance)"
