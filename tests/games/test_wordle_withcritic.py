"""wordle_withcritic: wordle's declarations shared, the critic between a proposed and a committed
guess, format breaks, and clembench's 100 / rounds score.

Compiling, the instances file, the reference players' wins and the golden replays are checked
for every game in tests/games/test_every_game.py."""

import pytest

from gamelang.instances import load_instances
from gamelang.registry import resolve_game
from tests.games._clemgames import machine, play

GAME = "wordle_withcritic"
EXP, ID = "high_frequency_words_clue_with_critic", "1"   # party, clue "have a ball"


def reply(word, why="a guess"):
    return f"explanation: {why}\nguess: {word}"


def opinion(agree, why="it fits"):
    return f"explanation: {why}\nagreement: {agree}"


def test_clembench_instances():
    instances = load_instances(machine(GAME))
    assert len(instances) == 30
    assert {i.experiment for i in instances} == {"high_frequency_words_clue_with_critic",
                                                 "medium_frequency_words_clue_with_critic"}


def test_shares_wordle_declarations():
    game, wordle = machine(GAME), machine("wordle")
    assert game.consts["valid_words"] == wordle.consts["valid_words"]
    assert game.moves["guess"].move == wordle.moves["guess"].move
    text = resolve_game(GAME).read_text()
    assert "words.txt" not in text and "move guess" not in text and "letter_feedback" not in text


def test_the_critic_sees_clue_reasoning_and_guess_and_the_guesser_its_opinion():
    env = play(GAME, [reply("crane", "a bird"), opinion("no", "a crane is no ball"), reply("party", "have a ball")],
               EXP, ID)
    assert (env.outcome, env.scores["main"]) == ("win", 100)   # one round: the committed guess counts
    critic = [m["content"] for m in env.record()["messages"]["critic"] if m["role"] == "user"]
    assert critic[0].endswith("clue: have a ball\nexplanation: a bird\nguess: crane")
    guesser = [m["content"] for m in env.record()["messages"]["guesser"] if m["role"] == "user"]
    assert "clue: have a ball" in guesser[0]
    assert guesser[1].startswith("clue: have a ball\nguess_agreement: no\nagreement_explanation: a crane is no ball")
    assert env.scores["metrics"]["changed_after_critic"] == 1


@pytest.mark.parametrize("rounds, main", [(1, 100), (2, 50), (3, 33.33), (6, 16.67)])
def test_speed_is_100_over_rounds(rounds, main):
    miss = [reply("crane"), opinion("yes"), reply("crane")]
    env = play(GAME, miss * (rounds - 1) + [reply("party"), opinion("yes"), reply("party")], EXP, ID)
    assert env.outcome == "win" and env.scores["main"] == main


def test_six_rounds_without_the_word_lose():
    env = play(GAME, [reply("crane"), opinion("no"), reply("dance")] * 6, EXP, ID)
    assert (env.outcome, env.scores["main"]) == ("lose", 0)


@pytest.mark.parametrize("bad", ["agreement: yes", "explanation: x\nagreement: maybe",
                                 "explanation: x\nagreement: yes\nagreement: no", "explanation: x\nagreement: yes please"])
def test_critic_format_breaks_abort(bad):
    env = play(GAME, [reply("crane"), bad], EXP, ID)
    assert env.outcome == "abort" and env.scores["main"] is None


def test_guesser_format_breaks_abort_and_unknown_words_are_asked_again():
    assert play(GAME, ["guess: party"], EXP, ID).outcome == "abort"
    assert play(GAME, [reply("crane"), opinion("no"), "guess: party"], EXP, ID).outcome == "abort"
    env = play(GAME, [reply("zzzzz"), reply("crane"), opinion("no"), reply("qqqqq"), reply("party")], EXP, ID)
    assert env.outcome == "win" and env.scores["reprompts"] == 2
