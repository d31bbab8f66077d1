"""Write instances.jsonl for wordle_withcritic from clembench's wordle_withclue instances
(../shared/data/clembench/wordle_withclue.jsonl).

clembench's instances_withcritic.json holds the same 30 target words and clues as its
instances_withclue.json, in experiments named `..._clue_with_critic` instead of
`..._clue_no_critic`; the shared data has only the latter, so the names are changed here.
Keeps experiment, game_id, target_word, target_word_clue and target_word_difficulty.
Run: python games/wordle_withcritic/convert_instances.py [--source DIR]
"""

from gamelang.data.clembench_instances import convert_main, keep

FIELDS = ("experiment", "game_id", "target_word", "target_word_clue", "target_word_difficulty")


def convert(row: dict) -> dict:
    record = keep(FIELDS)(row)
    record["experiment"] = record["experiment"].replace("_clue_no_critic", "_clue_with_critic")
    return record


if __name__ == "__main__":
    convert_main(__doc__, __file__, "wordle_withclue.jsonl", convert)
