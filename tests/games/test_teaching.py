"""teaching: its instances, the quiz score is main and each right answer pays the teacher, the word
and turn limits, format breaks re-prompt then abort.

Compiling, the instances file, the reference players' wins and the golden replays are checked
for every game in tests/games/test_every_game.py."""

import pytest

from tests.games._goal import instances, play, play_with

GAME = "teaching"
ID = "short_00"   # Roubuszol; the student knew facts 1, 4, 5 (November, Meiltus, Suqueth)
UNKNOWN = ["The highest mountain of Roubuszol is Mount Nuthba. On Roubuszol people pay with the Quozi.",
           "Roubuszol was founded by a sailor called Moutein."]
RIGHT = ["ANSWER: Nuthba", "ANSWER: November", "ANSWER: Quozi", "ANSWER: Moutein", "ANSWER: Meiltus",
         "ANSWER: Suqueth"]


def test_40_instances_in_two_experiments():
    assert len(instances(GAME)) == 40
    assert {(i.experiment, i.data["max_turns"]) for i in instances(GAME)} == {("short", 2), ("long", 3)}
    assert len({i.data["island"] for i in instances(GAME)}) == 40


def test_the_quiz_score_is_main_and_each_right_answer_pays_the_teacher():
    # no teaching: the student knows only its background (3 of 6)
    env = play_with(GAME, ID, {"teacher": ["QUIZ"]})
    assert env.outcome == "lose" and env.scores["main"] == 50 and env.scores["metrics"]["right"] == 3
    assert [r["value"] for r in env.scores["partial_rewards"]] == pytest.approx([1 / 6] * 3)
    assert {r["role"] for r in env.scores["partial_rewards"]} == {"teacher"}
    # a full lesson by hand
    env = play(GAME, [UNKNOWN[0], "ok", UNKNOWN[1], "thanks"] + RIGHT, ID)
    assert env.outcome == "win" and env.scores["main"] == 100 and env.scores["metrics"]["turns"] == 2
    # answers are compared without case, punctuation and filler words
    answers = ["ANSWER: Mount Nuthba.", "answer: every november", "ANSWER: the quozi", "ANSWER: Moutin",
               "ANSWER: I don't know", "ANSWER: Suqueth!"]
    env = play(GAME, [UNKNOWN[0], "ok", UNKNOWN[1], "thanks"] + answers, ID)
    assert env.outcome == "lose" and env.scores["metrics"]["right"] == 4
    assert env.scores["main"] == pytest.approx(400 / 6)


def test_the_scripted_student_learns_only_what_it_is_told():
    env = play_with(GAME, ID, {"teacher": [UNKNOWN[0], "Any questions?"]})
    assert env.scores["metrics"]["right"] == 5   # Moutein was never taught
    first = [m["content"] for m in env.record()["messages"]["student"] if m["role"] == "assistant"][0]
    assert first.startswith("Thank you! Before this lesson I knew that: The great festival")


def test_word_limit_is_reprompted_then_aborts():
    long = " ".join(["word"] * 31)
    env = play(GAME, [long, UNKNOWN[0], "ok", UNKNOWN[1], "thanks"] + RIGHT, ID)
    assert env.outcome == "win" and [e["type"] for e in env.events].count("reprompt") == 1
    env = play(GAME, [long, long, long], ID)
    assert env.outcome == "abort" and env.scores["main"] is None


def test_quiz_format_break_is_reprompted_once_then_aborts():
    env = play(GAME, ["QUIZ", "Nuthba", "ANSWER: Nuthba"] + RIGHT[1:], ID)
    assert env.outcome == "win"
    env = play(GAME, ["QUIZ", "Nuthba", "It is Nuthba"], ID)
    assert env.outcome == "abort"


def test_the_student_is_simulated_and_only_it_sees_its_background():
    record = play_with(GAME, ID, {}).record()
    assert record["simulated_roles"] == ["student"]
    assert "you knew only this about it: The great festival" in record["messages"]["student"][0]["content"]
    assert "knew only" not in record["messages"]["teacher"][1]["content"]
