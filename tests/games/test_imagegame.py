"""imagegame: clembench's instances, format breaks abort, and the main score is clembench's F1 of
the filled cells.

Compiling, the instances file, the reference players' wins and the golden replays are checked
for every game in tests/games/test_every_game.py."""

from gamelang.instances import load_instances
from tests.games._clemgames import machine, play

GAME = "imagegame"
EXP, ID = "compact_grids", "0"   # the target: a diagonal from the top right and a full bottom row of B
EMPTY = "\n".join(["▢ ▢ ▢ ▢ ▢"] * 5)
ROW5 = "\n".join(["▢ ▢ ▢ ▢ ▢"] * 4 + ["B B B B B"])
TARGET = "▢ ▢ ▢ ▢ B\n▢ ▢ ▢ B ▢\n▢ ▢ B ▢ ▢\n▢ B ▢ ▢ ▢\nB B B B B"


def test_clembench_instances():
    instances = load_instances(machine(GAME))
    assert len(instances) == 59
    assert {i.experiment for i in instances} == {"compact_grids", "random_grids"}


def test_format_breaks_abort():
    # the giver: two lines, or no Command: label
    assert play(GAME, ["Command: fill row 5 with B\nThen the diagonal."], EXP, ID).outcome == "abort"
    assert play(GAME, ["Fill row 5 with B"], EXP, ID).outcome == "abort"
    # the follower: lower-case letters, a missing row, or words around the grid
    assert play(GAME, ["Command: fill row 5 with B", ROW5.lower()], EXP, ID).outcome == "abort"
    assert play(GAME, ["Command: fill row 5 with B", ROW5.split("\n", 1)[1]], EXP, ID).outcome == "abort"
    assert play(GAME, ["Command: fill row 5 with B", "Here it is:\n" + ROW5], EXP, ID).outcome == "abort"
    env = play(GAME, ["Command: fill row 5 with B", "grid"], EXP, ID)
    assert env.scores["main"] is None


def test_f1_of_filled_cells_as_clembench_computes_it():
    # hand-worked: 9 target cells; the bottom row gives recall 5/9 = 0.5556, precision 1 -> F1 0.7143 -> 71
    env = play(GAME, ["Command: fill row 5 with B", ROW5, "Command: DONE"], EXP, ID)
    assert (env.outcome, env.scores["main"]) == ("lose", 71)
    assert env.scores["metrics"]["precision"] == 100 and env.scores["metrics"]["recall"] == 56
    # one wrong cell too: precision 5/6 = 0.8333 -> F1 0.6667 -> 67
    wrong = "X" + ROW5[1:]
    env = play(GAME, ["Command: B in row 5, X top left", wrong, "command : done"], EXP, ID)
    assert (env.outcome, env.scores["main"]) == ("lose", 67)
    # the whole target wins with 100
    env = play(GAME, ["Command: draw it", TARGET, "Command: DONE"], EXP, ID)
    assert (env.outcome, env.scores["main"]) == ("win", 100)


def test_an_empty_grid_keeps_the_previous_score_and_done_at_once_scores_zero():
    env = play(GAME, ["Command: fill row 5 with B", ROW5, "Command: clear", EMPTY, "Command: DONE"], EXP, ID)
    assert (env.outcome, env.scores["main"]) == ("lose", 71)
    env = play(GAME, ["Command: DONE"], EXP, ID)
    assert (env.outcome, env.scores["main"]) == ("lose", 0)


def test_the_game_stops_after_50_rounds():
    env = play(GAME, ["Command: fill row 5 with B", ROW5] * 50, EXP, ID)
    assert env.outcome == "lose" and env.scores["metrics"]["rounds"] == 50 and env.scores["main"] == 71
    assert machine(GAME).consts["max_rounds"] == 50
