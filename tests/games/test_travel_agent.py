"""travel_agent (preference elicitation): its instances, main = 100 x the share of the three
recommendations that fit, the question budget, format breaks re-prompt then abort.

Compiling, the instances file, the reference players' wins and the golden replays are checked
for every game in tests/games/test_every_game.py."""

import pytest

from tests.games._goal import instances, play, play_with

GAME = "travel_agent"
ID = "small_catalogue_00"   # likes food and nightlife, dislikes early starts
GOOD = "RECOMMEND:\n- Cheese and olive tasting\n- Rooftop bar evening\n- Street food tour"
TWO_OF_THREE = "RECOMMEND:\n- Cheese and olive tasting\n- Rooftop bar evening\n- Family-run bakery breakfast"


def fits(activity, data):
    return activity["category"] in data["likes"] and not set(activity["tags"]) & set(data["dislikes"])


def test_40_instances_in_two_experiments():
    assert len(instances(GAME)) == 40
    assert {i.experiment for i in instances(GAME)} == {"small_catalogue", "large_catalogue"}
    for inst in instances(GAME):  # at least three fit, at least three do not
        good = sum(fits(a, inst.data) for a in inst.data["catalogue"])
        assert good >= 3 and len(inst.data["catalogue"]) - good >= 3


def test_main_is_the_share_of_recommendations_that_fit():
    env = play(GAME, [GOOD], ID)
    assert env.outcome == "win" and env.scores["main"] == 100 and env.scores["reward"] == 1
    env = play(GAME, [TWO_OF_THREE], ID)
    assert env.outcome == "lose" and env.scores["main"] == pytest.approx(200 / 3)
    assert env.reason == "2 of 3 recommendations fit the traveller"
    env = play(GAME, ["RECOMMEND:\n- Craft market stroll\n- Quiet cove picnic\n- gentle lakeside path."], ID)
    assert env.outcome == "lose" and env.scores["main"] == 0


def test_the_scripted_traveller_answers_by_keywords():
    env = play_with(GAME, ID, {"agent": ["QUESTION: Do you like nightlife?", "QUESTION: Are early starts ok?",
                                         "QUESTION: How about hiking?", "QUESTION: What do you enjoy?", GOOD]})
    answers = [m["content"] for m in env.record()["messages"]["traveller"] if m["role"] == "assistant"]
    assert answers == ["Yes, I love nightlife!", "Oh no, please nothing with early start.",
                       "Not really, hiking is not my thing.", "I love food and nightlife."]
    assert env.outcome == "win"


def test_the_question_budget_is_kept():
    replies = []
    for _ in range(4):
        replies += ["QUESTION: Anything else?", "No."]
    env = play(GAME, replies + ["QUESTION: One more?", GOOD], ID)
    assert env.outcome == "win" and env.scores["metrics"]["questions"] == 4
    assert "no questions left" in env.record()["messages"]["agent"][-2]["content"]
    env = play(GAME, replies + ["QUESTION: One more?"] * 3, ID)
    assert env.outcome == "lose" and "more than 4 questions" in env.reason


def test_recommendations_are_reprompted_then_abort():
    # not in the catalogue, then a repeated activity, then right
    env = play(GAME, ["RECOMMEND:\n- Eiffel Tower\n- Rooftop bar evening\n- Street food tour",
                      "RECOMMEND:\n- Street food tour\n- Rooftop bar evening\n- Street food tour", GOOD], ID)
    assert env.outcome == "win" and env.scores["metrics"]["fitting"] == 3
    assert [e["type"] for e in env.events].count("reprompt") == 2
    # two activities instead of three, three times
    env = play(GAME, ["RECOMMEND:\n- Street food tour\n- Rooftop bar evening"] * 3, ID)
    assert env.outcome == "abort" and env.scores["main"] is None
    # neither a question nor a recommendation
    env = play(GAME, ["Hello! Where are you from?", "What do you like?", "I recommend the food tour."], ID)
    assert env.outcome == "abort"


def test_the_traveller_is_simulated_and_only_it_sees_the_preferences():
    record = play_with(GAME, ID, {}).record()
    assert record["simulated_roles"] == ["traveller"]
    assert "You love food and nightlife. You dislike early starts." in record["messages"]["traveller"][0]["content"]
    assert "You love" not in record["messages"]["agent"][0]["content"]
    assert "- Family-run bakery breakfast (food; early start)" in record["messages"]["agent"][0]["content"]
