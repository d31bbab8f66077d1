"""Write instances.jsonl from clembench's codenames instances (../shared/data/clembench/codenames.jsonl).

Keeps experiment, game_id, board and assignments, and adds opponent_difficulty: how many of its
words the simulated opponent team uncovers each round, which clembench sets per experiment (0 in
opponent_none, 2 in opponent_difficult, 1 in all others).
Run: python games/codenames/convert_instances.py [--source DIR]
"""

import argparse
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parents[2] / "shared" / "data" / "clembench"
OPPONENT_DIFFICULTY = {"opponent_none": 0, "opponent_difficult": 2}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=HERE / "instances.jsonl")
    args = parser.parse_args()
    rows = [json.loads(line) for line in (args.source / "codenames.jsonl").read_text().splitlines() if line.strip()]
    with args.out.open("w") as out:
        for row in rows:
            record = {k: row[k] for k in ("experiment", "game_id", "board", "assignments")}
            record["opponent_difficulty"] = OPPONENT_DIFFICULTY.get(row["experiment"], 1)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
