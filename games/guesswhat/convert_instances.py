"""Write instances.jsonl from clembench's guesswhat instances (../shared/data/clembench/guesswhat.jsonl).

Keeps the fields that define an instance: experiment, game_id, target_word, candidate_list, max_turns.
Run: python games/guesswhat/convert_instances.py [--source DIR]
"""

from gamelang.data.clembench_instances import convert_main, keep

FIELDS = ("experiment", "game_id", "target_word", "candidate_list", "max_turns")


if __name__ == "__main__":
    convert_main(__doc__, __file__, "guesswhat.jsonl", keep(FIELDS))
