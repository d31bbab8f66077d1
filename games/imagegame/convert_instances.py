"""Write instances.jsonl from clembench's imagegame instances (../shared/data/clembench/imagegame.jsonl).

Keeps the fields that define an instance: experiment, game_id, target_grid, grid_dimension.
Run: python games/imagegame/convert_instances.py [--source DIR]
"""

import argparse
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parents[2] / "shared" / "data" / "clembench"
FIELDS = ("experiment", "game_id", "target_grid", "grid_dimension")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=HERE / "instances.jsonl")
    args = parser.parse_args()
    rows = [json.loads(line) for line in (args.source / "imagegame.jsonl").read_text().splitlines() if line.strip()]
    with args.out.open("w") as out:
        for row in rows:
            out.write(json.dumps({k: row[k] for k in FIELDS}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
