"""guesswhat: compiles, clembench's instances, the reference players win, golden replays, format
and content breaks abort, a wrong guess loses, and clembench's speed score."""

import subprocess
import sys

import pytest

from gamelang.compiler import compile_file
from gamelang.instances import load_instances
from gamelang.registry import resolve_game
from tests.games._clemgames import check_golden, golden_cases, play, reference_win_rate

GAME = "guesswhat"
EXP, ID = "Level_1", "0"   # target Pepsi among Copper, Lead, Pepsi, Lemonade, Carbon, Gold, Chair, Dresser
Q, YES, NO = "QUESTION: Is it a drink?", "ANSWER: yes", "ANSWER: no"


def test_compiles_cleanly_with_clembench_instances():
    result = compile_file(resolve_game(GAME))
    assert result.ok and result.diagnostics == [], result.render()
    instances = load_instances(result.machine)
    assert len(instances) == 60
    assert {i.experiment for i in instances} == {f"{a}Level_{n}" for a in ("", "Abs_") for n in (1, 2, 3)}


def test_instances_are_what_the_converter_writes(tmp_path):
    folder = resolve_game(GAME).parent
    subprocess.run([sys.executable, str(folder / "convert_instances.py"), "--out", str(tmp_path / "i.jsonl")],
                   check=True, capture_output=True)
    assert (tmp_path / "i.jsonl").read_bytes() == (folder / "instances.jsonl").read_bytes()


def test_reference_players_win_at_least_90_percent(tmp_path):
    rate, records = reference_win_rate(GAME, tmp_path / "run")
    assert rate >= 0.9
    assert {r["scores"]["metrics"]["turns"] for r in records} == {4}


@pytest.mark.parametrize("path", golden_cases(GAME), ids=lambda p: p.stem)
def test_golden_replay(path):
    check_golden(path)


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
