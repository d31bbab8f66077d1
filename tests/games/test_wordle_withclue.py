"""wordle_withclue: wordle's declarations shared (not copied), clembench's instances, the clue up
front, format breaks, and clembench's 100 / guesses score.

Compiling, the instances file, the reference players' wins and the golden replays are checked
for every game in tests/games/test_every_game.py."""

import pytest

from gamelang.instances import load_instances
from gamelang.registry import resolve_game
from tests.games._clemgames import machine, play

GAME = "wordle_withclue"
EXP, ID = "high_frequency_words_clue_no_critic", "1"   # party, clue "have a ball"


def reply(word, why="a guess"):
    return f"explanation: {why}\nguess: {word}"


def test_clembench_instances():
    instances = load_instances(machine(GAME))
    assert len(instances) == 30
    assert {i.experiment for i in instances} == {"high_frequency_words_clue_no_critic",
                                                 "medium_frequency_words_clue_no_critic"}


def test_shares_wordle_declarations():
    game, wordle = machine(GAME), machine("wordle")
    assert game.consts["valid_words"] == wordle.consts["valid_words"]
    assert game.consts["reply_format"] == wordle.consts["reply_format"]
    assert game.moves["guess"].move == wordle.moves["guess"].move
    # no copy of the word list, the move or the feedback in this game's folder
    text = resolve_game(GAME).read_text()
    assert "words.txt" not in text and "move guess" not in text and "letter_feedback" not in text
    assert not (resolve_game(GAME).parent / "words.txt").exists()


def test_the_clue_comes_with_the_instructions():
    env = play(GAME, [reply("party")], EXP, ID)
    first = env.record()["messages"]["guesser"][0]["content"]
    assert "You are playing Wordle" in first and "clue: have a ball" in first


@pytest.mark.parametrize("misses, main", [(0, 100), (1, 50), (2, 33.33), (3, 25), (5, 16.67)])
def test_speed_is_100_over_guesses(misses, main):
    env = play(GAME, [reply("crane")] * misses + [reply("party")], EXP, ID)
    assert env.outcome == "win" and env.scores["main"] == main


def test_six_misses_lose_and_feedback_is_wordle_feedback():
    env = play(GAME, [reply("crane")] * 6, EXP, ID)
    assert (env.outcome, env.scores["main"]) == ("lose", 0)
    told = env.record()["messages"]["guesser"][2]["content"]
    assert told.startswith("guess_feedback: c<red> r<yellow> a<yellow> n<red> e<red>")


@pytest.mark.parametrize("bad", ["guess: party", "explanation: x\nguess: part", "explanation: x\nguess: par ty",
                                 "explanation: x\nguess: crane\nguess: party", "explanation: my guess: crane\nguess: party",
                                 "explanation: x GUESS: crane guess: party"])
def test_format_breaks_abort(bad):
    env = play(GAME, [bad], EXP, ID)
    assert env.outcome == "abort" and env.scores["main"] is None


@pytest.mark.parametrize("game", ["wordle", "wordle_withclue", "wordle_withcritic"])
def test_guess_twice_is_the_shared_move_s_rule(game):
    # clembench: "guess:" (any case) exactly once; the rule is in the library's move, so no game
    # repeats it as a check of its own, and a reply with it twice fails to parse (violated)
    from gamelang.runtime.episode import GameEnv
    from gamelang.scoring import request_counts

    assert "guess:\" in lower" not in resolve_game(game).read_text()
    m = machine(game)
    inst = next(i for i in load_instances(m))
    for bad in ["explanation: my guess: crane\nguess: party", "explanation: a\nGuess: b guess: party"]:
        env = GameEnv(m)
        env.reset(inst, 0)
        env.step(bad)
        assert env.outcome == "abort" and "format" in env.reason, (game, bad, env.reason)
        assert request_counts(env.events) == (1, 0, 1)
    # one "guess:" is fine, wherever on the two lines it is
    assert play(GAME, ["explanation: a party is a ball guess: party"], EXP, ID).outcome == "win"
    assert play(GAME, ["explanation: gues\nguess: party"], EXP, ID).outcome == "win"


def test_a_word_not_in_the_list_is_asked_again_five_times():
    env = play(GAME, [reply("zzzzz")] * 2 + [reply("party")], EXP, ID)
    assert env.outcome == "win" and env.scores["reprompts"] == 2 and env.scores["main"] == 100
    assert play(GAME, [reply("zzzzz")] * 6, EXP, ID).outcome == "abort"
