"""Generate games/shapes/instances.jsonl: three coloured shapes, one of them the target.

Every instance is three different objects (a colour and a shape each) and the index of the target.
The target always has a colour or a shape that no other object of the three has, so one word can
always single it out; about half the instances need the colour and half the shape, and in some both
work. Everything is drawn from a fixed seed, so the file is the same on every machine:

    python games/shapes/make_instances.py [--count 4000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

COLOURS = ["red", "blue", "green", "yellow", "purple", "orange", "black", "white"]
SHAPES = ["circle", "square", "triangle", "star", "heart", "diamond", "cross", "ring"]


def unique_properties(objects: list[tuple[str, str]], target: int) -> list[str]:
    """Which of the target's properties ("colour", "shape") no other object shares."""
    colour, shape = objects[target]
    others = [o for i, o in enumerate(objects) if i != target]
    found = []
    if all(o[0] != colour for o in others):
        found.append("colour")
    if all(o[1] != shape for o in others):
        found.append("shape")
    return found


def make_instance(rng: random.Random, need: str) -> tuple[list[tuple[str, str]], int]:
    """Three distinct objects and a target whose only distinguishing property is ``need``
    ("colour", "shape" or "both": either works)."""
    while True:
        objects = [(rng.choice(COLOURS), rng.choice(SHAPES)) for _ in range(3)]
        if len(set(objects)) < 3:
            continue
        target = rng.randrange(3)
        props = unique_properties(objects, target)
        wanted = {"colour": ["colour"], "shape": ["shape"], "both": ["colour", "shape"]}[need]
        if props == wanted:
            return objects, target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "instances.jsonl")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    # three experiments by what singles the target out; "both" is the easiest for a speaker
    experiments = ["by_colour", "by_shape", "either"]
    needs = {"by_colour": "colour", "by_shape": "shape", "either": "both"}
    seen: set[tuple] = set()
    lines = []
    while len(lines) < args.count:
        experiment = experiments[len(lines) % 3]
        objects, target = make_instance(rng, needs[experiment])
        key = (tuple(objects), target)
        if key in seen:  # every instance is a different situation
            continue
        seen.add(key)
        record = {"experiment": experiment, "id": f"{len(lines):04d}",
                  "colours": [o[0] for o in objects], "shapes": [o[1] for o in objects], "target": target}
        lines.append(json.dumps(record))
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} instances written to {args.out}")


if __name__ == "__main__":
    main()
