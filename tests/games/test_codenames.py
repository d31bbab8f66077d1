"""codenames: clembench's instances, format and rule breaks abort (clembench's strict mode), the
assassin and the other team end the game.

Compiling, the instances file, the reference players' wins and the golden replays are checked
for every game in tests/games/test_every_game.py."""

import pytest

from gamelang.compiler import compile_file
from gamelang.instances import load_instances
from gamelang.registry import resolve_game
from tests.games._clemgames import machine, play

GAME = "codenames"
# risk_low 0: team revolution board chick witch force bridge maple contract bed; innocent ice
# leprechaun screen hospital bar moscow fan car; opponent thief lemon iron alien concert pool africa
# foot; no assassin. risk_high 0: assassins bill glass lap africa chair; team wind shadow pupil spider...
LOW, HIGH = ("risk_low", "0"), ("risk_high", "0")
CLUE = "CLUE: uprising\nTARGETS: revolution, force, witch"


def test_clembench_instances():
    instances = load_instances(machine(GAME))
    assert len(instances) == 130
    difficulty = {i.experiment: i.data["opponent_difficulty"] for i in instances}
    assert difficulty["opponent_none"] == 0 and difficulty["opponent_difficult"] == 2 and difficulty["risk_low"] == 1


def test_team_wins_with_100():
    env = play(GAME, [CLUE, "GUESS: revolution, force, witch",
                      "CLUE: hut\nTARGETS: board, chick, bridge, maple, contract, bed",
                      "GUESS: board, chick, bridge, maple, contract, bed"], *LOW)
    assert (env.outcome, env.scores["main"]) == ("win", 100)
    assert env.scores["metrics"]["rounds"] == 2


def test_a_wrong_word_ends_the_turn_and_the_assassin_loses_at_once():
    env = play(GAME, ["CLUE: web\nTARGETS: spider, shadow", "GUESS: bill, spider"], *HIGH)
    assert (env.outcome, env.scores["main"]) == ("lose", 0)
    assert "assassin" in env.reason
    # an innocent word ends the turn: 'spider' after it is not uncovered, the game goes on
    env = play(GAME, ["CLUE: web\nTARGETS: spider, shadow", "GUESS: snow, spider",
                      "CLUE: web\nTARGETS: spider", "GUESS: bill"], *HIGH)
    assert env.outcome == "lose" and env.scores["metrics"]["innocent_words_guessed"] == 1
    guesser_seen = [m["content"] for m in env.record()["messages"]["guesser"] if m["role"] == "user"]
    assert "The word snow was guessed but is an innocent word. Your turn ended there." in guesser_seen[1]
    assert "spider" in guesser_seen[1].split("still hidden:")[1]


def test_the_other_team_can_win():
    # opponent_difficult: the other team uncovers two words a round; one word a round is too slow
    inst = load_instances(compile_file(resolve_game(GAME)).machine)
    row = next(i for i in inst if (i.experiment, i.id) == ("opponent_difficult", "0"))
    team = row.data["assignments"]["team"]
    replies = []
    for word in team[:4]:
        replies += [f"CLUE: zephyr\nTARGETS: {word}", f"GUESS: {word}"]
    # as in clembench, the other team's last words, uncovered at the start of the fifth round, end
    # the game after the cluegiver's reply to that round (which may still abort it)
    replies.append(f"CLUE: zephyr\nTARGETS: {team[4]}")
    env = play(GAME, replies, "opponent_difficult", "0")
    assert (env.outcome, env.scores["main"]) == ("lose", 0)
    assert env.reason == "the other team's words are all uncovered"
    assert env.record()["clembench"]["Request Count"] == 9
    assert play(GAME, replies[:-1] + ["CLUE: zephyr"], "opponent_difficult", "0").outcome == "abort"


@pytest.mark.parametrize("reply", [
    "CLUE: uprising",                                            # no TARGETS line
    "CLUE: uprising\nTARGETS: revolution\nThis should work.",    # more than two lines
    "Clue: uprising\nTargets: revolution",                       # labels not upper case
    "CLUE: civil war\nTARGETS: revolution",                      # not one word
    "CLUE: uprising, 2\nTARGETS: revolution",                    # a number after the clue
    "CLUE: bridge\nTARGETS: revolution",                         # on the board
    "CLUE: bridges\nTARGETS: revolution",                        # a form of a board word
    "CLUE: uprising\nTARGETS: revolution, uprising",             # a target not on the board
    "CLUE: uprising\nTARGETS: revolution, revolution",           # a target twice
])
def test_cluegiver_breaks_abort(reply):
    env = play(GAME, [reply], *LOW)
    assert env.outcome == "abort" and env.scores["main"] is None


@pytest.mark.parametrize("reply", [
    "GUESS: revolution\nforce",                  # two lines
    "revolution, force",                         # no label
    "GUESS: revolution, force, witch, bridge",   # more guesses than targets
    "GUESS: revolution, uprising",               # the clue / not on the board
    "GUESS: revolution, revolution",             # twice
])
def test_guesser_breaks_abort(reply):
    assert play(GAME, [CLUE, reply], *LOW).outcome == "abort"


def test_lenient_forms_clembench_accepts():
    # targets before the clue, no space after commas, quotes and full stops around words
    env = play(GAME, ["TARGETS: revolution,force\nCLUE: 'Uprising'.", "GUESS: Revolution,force.",
                      "CLUE: hut\nTARGETS: witch, board, chick, bridge, maple, contract, bed",
                      "GUESS: witch, board, chick, bridge, maple, contract, bed"], *LOW)
    assert env.outcome == "win"
