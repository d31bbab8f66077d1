"""Write instances.jsonl from clembench's wordle_withclue instances (../shared/data/clembench/wordle_withclue.jsonl).

Keeps experiment, game_id, target_word, target_word_clue and target_word_difficulty.
Run: python games/wordle_withclue/convert_instances.py [--source DIR]
"""

from gamelang.data.clembench_instances import convert_main, keep

FIELDS = ("experiment", "game_id", "target_word", "target_word_clue", "target_word_difficulty")


if __name__ == "__main__":
    convert_main(__doc__, __file__, "wordle_withclue.jsonl", keep(FIELDS))
