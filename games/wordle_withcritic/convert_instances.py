"""Write instances.jsonl for wordle_withcritic from clembench's wordle_withclue instances
(../shared/data/clembench/wordle_withclue.jsonl).

clembench's instances_withcritic.json holds the same 30 target words and clues as its
instances_withclue.json, in experiments named `..._clue_with_critic` instead of
`..._clue_no_critic`; the shared data has only the latter, so the names are changed here.
Keeps experiment, game_id, target_word, target_word_clue and target_word_difficulty.
Run: python games/wordle_withcritic/convert_instances.py [--source DIR]
"""

import argparse
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parents[2] / "shared" / "data" / "clembench"
FIELDS = ("experiment", "game_id", "target_word", "target_word_clue", "target_word_difficulty")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=HERE / "instances.jsonl")
    args = parser.parse_args()
    rows = [json.loads(line) for line in (args.source / "wordle_withclue.jsonl").read_text().splitlines() if line.strip()]
    with args.out.open("w") as out:
        for row in rows:
            record = {k: row[k] for k in FIELDS}
            record["experiment"] = record["experiment"].replace("_clue_no_critic", "_clue_with_critic")
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
