"""twenty_questions (LMRL-Gym): its instances, -1 per turn without the object, main = 100 x
(1 - turns/20) on success, format breaks re-prompt then abort.

Compiling, the instances file, the reference players' wins and the golden replays are checked
for every game in tests/games/test_every_game.py."""

from tests.games._goal import instances, machine, play, play_with

GAME = "twenty_questions"
# living_00 is the penguin: alive, bird, animal, water


def test_40_instances_in_two_experiments():
    assert len(instances(GAME)) == 40
    assert {i.experiment for i in instances(GAME)} == {"living", "things"}
    assert len({i.data["object"] for i in instances(GAME)}) == 40


def test_each_reference_question_is_answered_about_its_own_attribute():
    table = machine(GAME).consts["attribute_table"]
    oracle = machine(GAME).reference_player("oracle").reply
    for attribute in table:
        for truth in (True, False):
            context = {"questions": [attribute["question"]], "names": ["zzz"],
                       "attributes": [attribute["name"]] if truth else [], "attribute_table": table}
            assert oracle.render(context).strip() == ("Yes" if truth else "No"), attribute


def test_a_question_that_names_the_object_is_answered_yes_and_others_no():
    env = play_with(GAME, "living_00", {"asker": ["QUESTION: Is it a penguin?", "QUESTION: Is it a dog?",
                                                  "QUESTION: What colour is it?", "GUESS: a Penguin!"]})
    answers = [m["content"] for m in env.record()["messages"]["oracle"] if m["role"] == "assistant"]
    assert answers == ["Yes", "No", "No"]
    assert env.outcome == "win" and env.scores["main"] == 80 and env.scores["reward"] == -3


def test_scoring_per_turn_and_a_wrong_guess_counts_as_a_turn():
    env = play(GAME, ["GUESS: penguin"], "living_00")
    assert env.outcome == "win" and env.scores["main"] == 95 and env.scores["reward"] == 0
    env = play(GAME, ["GUESS: duck", "QUESTION: Can it fly?", "no", "GUESS: the penguin"], "living_00")
    assert env.outcome == "win" and env.scores["main"] == 85 and env.scores["reward"] == -2
    assert env.scores["metrics"]["wrong_guesses"] == 1
    assert [r["value"] for r in env.scores["partial_rewards"]] == [-1, -1]


def test_twenty_turns_without_the_object_lose_with_reward_minus_twenty():
    replies = []
    for _ in range(19):
        replies += ["QUESTION: Is it big?", "No."]
    replies += ["GUESS: duck"]
    env = play(GAME, replies, "living_00")
    assert env.outcome == "lose" and env.scores["main"] == 0 and env.scores["reward"] == -20
    assert "penguin" in env.reason


def test_format_breaks_reprompt_then_abort():
    # the asker: neither QUESTION: nor GUESS:, three times
    env = play(GAME, ["Is it an animal?", "I think it is a cat", "question - is it big"], "living_00")
    assert env.outcome == "abort" and env.scores["main"] is None
    assert [e["type"] for e in env.events].count("reprompt") == 2
    # a re-prompted asker that then keeps the format plays on
    assert play(GAME, ["Is it an animal?", "GUESS: penguin"], "living_00").outcome == "win"
    # the oracle: not yes or no, three times
    env = play(GAME, ["QUESTION: Is it an animal?", "Maybe", "It is hard to say", "Perhaps"], "living_00")
    assert env.outcome == "abort"
    assert play(GAME, ["QUESTION: Is it an animal?", "Maybe", "Yes, it is.", "GUESS: penguin"],
                "living_00").outcome == "win"


def test_the_oracle_is_simulated_and_its_prompt_holds_the_object():
    record = play_with(GAME, "living_00", {}).record()
    assert record["simulated_roles"] == ["oracle"]
    assert "this object: penguin" in record["messages"]["oracle"][0]["content"]
    assert "penguin" not in record["messages"]["asker"][0]["content"]
