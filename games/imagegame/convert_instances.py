"""Write instances.jsonl from clembench's imagegame instances (../shared/data/clembench/imagegame.jsonl).

Keeps the fields that define an instance: experiment, game_id, target_grid, grid_dimension.
Run: python games/imagegame/convert_instances.py [--source DIR]
"""

from gamelang.data.clembench_instances import convert_main, keep

FIELDS = ("experiment", "game_id", "target_grid", "grid_dimension")


if __name__ == "__main__":
    convert_main(__doc__, __file__, "imagegame.jsonl", keep(FIELDS))
