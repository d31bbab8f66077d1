"""Write instances.jsonl from clembench's codenames instances (../shared/data/clembench/codenames.jsonl).

Keeps experiment, game_id, board and assignments, and adds opponent_difficulty: how many of its
words the simulated opponent team uncovers each round, which clembench sets per experiment (0 in
opponent_none, 2 in opponent_difficult, 1 in all others).
Run: python games/codenames/convert_instances.py [--source DIR]
"""

from gamelang.data.clembench_instances import convert_main, keep

OPPONENT_DIFFICULTY = {"opponent_none": 0, "opponent_difficult": 2}


def convert(row: dict) -> dict:
    record = keep(("experiment", "game_id", "board", "assignments"))(row)
    record["opponent_difficulty"] = OPPONENT_DIFFICULTY.get(row["experiment"], 1)
    return record


if __name__ == "__main__":
    convert_main(__doc__, __file__, "codenames.jsonl", convert)
