"""guesswhat: clembench's instances, format and content breaks abort, a wrong guess loses, and
clembench's speed score.

Compiling, the instances file, the reference players' wins and the golden replays are checked
for every game in tests/games/test_every_game.py."""

import pytest

from gamelang.instances import load_instances
from tests.games._clemgames import machine, play

GAME = "guesswhat"
EXP, ID = "Level_1", "0"   # target Pepsi among Copper, Lead, Pepsi, Lemonade, Carbon, Gold, Chair, Dresser
Q, YES, NO = "QUESTION: Is it a drink?", "ANSWER: yes", "ANSWER: no"


def test_clembench_instances():
    instances = load_instances(machine(GAME))
    assert len(instances) == 60
    assert {i.experiment for i in instances} == {f"{a}Level_{n}" for a in ("", "Abs_") for n in (1, 2, 3)}


@pytest.mark.parametrize("turns, main", [(1, 100), (5, 100), (6, 100 * 2 / 3), (7, 100 / 3), (8, 0)])
def test_speed_score_as_clembench(turns, main):
    # hand-worked: 100 up to 5 turns, then 100 * (8 - turns) / (8 - 5)
    env = play(GAME, [Q, YES] * (turns - 1) + ["GUESS: Pepsi"], EXP, ID)
    assert env.outcome == "win"
    assert env.scores["main"] == pytest.approx(main)


def test_wrong_guess_and_no_guess_lose():
    env = play(GAME, [Q, YES, "GUESS: Lemonade"], EXP, ID)
    assert (env.outcome, env.scores["main"]) == ("lose", 0)
    env = play(GAME, ["GUESS: Water"], EXP, ID)   # not a candidate: a wrong guess too
    assert env.outcome == "lose"
    env = play(GAME, [Q, YES] * 8, EXP, ID)   # eight questions, no guess
    assert (env.outcome, env.scores["main"]) == ("lose", 0)


def test_guess_ignores_case_and_punctuation():
    assert play(GAME, ["GUESS: pepsi."], EXP, ID).outcome == "win"


@pytest.mark.parametrize("reply", [
    "Is it a drink?",                                         # no label
    "question: Is it a drink?",                               # label in lower case
    "QUESTION: Is it a drink? QUESTION: Is it a metal?",      # two questions
    "QUESTION: Is it a drink? I think so.",                   # text after the question mark
    "QUESTION: Does the target word start with the letter P?",
    "QUESTION: Does the target word have the letter e?",
    "QUESTION: Is the first letter of the target word p?",
    "QUESTION: Does the target word have more 5 letters?",
    "QUESTION: Does the target word contain exactly two syllables?",
    "QUESTION: Is the target word a noun?",
    "GUESS: Pepsi Cola",                                      # more than one word
])
def test_guesser_format_and_content_breaks_abort(reply):
    env = play(GAME, [reply], EXP, ID)
    assert env.outcome == "abort" and env.scores["main"] is None


@pytest.mark.parametrize("reply", ["Yes", "ANSWER: yes, it is", "ANSWER: YES", "answer: yes"])
def test_answerer_format_breaks_abort(reply):
    assert play(GAME, [Q, reply], EXP, ID).outcome == "abort"


def test_allowed_answers_and_questions():
    for answer in ("ANSWER: Yes.", "ANSWER: No", "ANSWER: no"):
        assert play(GAME, [Q, answer, "GUESS: Pepsi"], EXP, ID).outcome == "win"
    # a question without a question mark, and one about the word's meaning with 'letter' in it
    assert play(GAME, ["QUESTION: Is it a drink", YES, "QUESTION: Is it used to write a letter?", NO,
                       "GUESS: Pepsi"], EXP, ID).outcome == "win"
