"""Generate games/shapes/instances.jsonl: a row of three coloured shapes, one of them the target.

Every instance is three different objects (a colour and a shape each, left to right) and the
index of the target. The experiments are the target's place in the row (left, middle, right), in
equal numbers. Everything is drawn from a fixed seed, so the file is the same on every machine:

    python games/shapes/make_instances.py [--count 4000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

COLOURS = ["red", "blue", "green", "yellow", "purple", "orange", "black", "white"]
SHAPES = ["circle", "square", "triangle", "star", "heart", "diamond", "cross", "ring"]
EXPERIMENTS = ["left", "middle", "right"]  # the target's place in the row


def make_row(rng: random.Random) -> list[tuple[str, str]]:
    """Three different (colour, shape) objects."""
    while True:
        row = [(rng.choice(COLOURS), rng.choice(SHAPES)) for _ in range(3)]
        if len(set(row)) == 3:
            return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "instances.jsonl")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    seen: set[tuple] = set()
    lines = []
    while len(lines) < args.count:
        target = len(lines) % 3
        row = make_row(rng)
        if (tuple(row), target) in seen:  # every instance is a different situation
            continue
        seen.add((tuple(row), target))
        record = {"experiment": EXPERIMENTS[target], "id": f"{len(lines):04d}",
                  "colours": [o[0] for o in row], "shapes": [o[1] for o in row], "target": target}
        lines.append(json.dumps(record))
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} instances written to {args.out}")


if __name__ == "__main__":
    main()
