"""guess_my_city (LMRL-Gym): its instances, the oracle answers in free text and an answer that names
the city is asked again (bounded), scoring as twenty questions, format breaks re-prompt then abort.

Compiling, the instances file, the reference players' wins and the golden replays are checked
for every game in tests/games/test_every_game.py."""

from tests.games._goal import instances, play, play_with

GAME = "guess_my_city"
# capitals_00 is madrid; other_cities_02 is los angeles


def test_40_instances_in_two_experiments():
    assert len(instances(GAME)) == 40
    assert {i.experiment for i in instances(GAME)} == {"capitals", "other_cities"}


def test_the_scripted_oracle_answers_by_topic_or_generically():
    env = play_with(GAME, "capitals_00", {"asker": ["QUESTION: Is it on the coast?", "QUESTION: Do people speak Spanish?",
                                                    "QUESTION: Tell me a secret", "GUESS: The city of Madrid"]})
    answers = [m["content"] for m in env.record()["messages"]["oracle"] if m["role"] == "assistant"]
    assert answers[0] == "No, it is not on the coast."
    assert answers[1] == "Most people there speak Spanish."
    assert answers[2].startswith("I can't answer that directly.")
    assert env.outcome == "win" and env.scores["main"] == 80


def test_an_answer_that_names_the_city_is_asked_again():
    env = play(GAME, ["QUESTION: What is it famous for?", "Madrid is famous for the Prado.",
                      "It is famous for the Prado museum.", "GUESS: madrid"], "capitals_00")
    assert env.outcome == "win" and env.scores["main"] == 90
    asker = [m["content"] for m in env.record()["messages"]["asker"] if m["role"] == "user"]
    assert not any("Madrid" in m for m in asker)
    assert [e["type"] for e in env.events].count("reprompt") == 1
    # three answers that name it abort: the city was given away
    env = play(GAME, ["QUESTION: Where is it?", "In Madrid.", "It's madrid!", "MADRID, Spain"], "capitals_00")
    assert env.outcome == "abort" and env.scores["main"] is None
    # a multi-word name is caught too
    env = play(GAME, ["QUESTION: Where?", "Los Angeles, California", "In California.", "GUESS: LA"], "other_cities_02")
    assert env.outcome == "win" and [e["type"] for e in env.events].count("reprompt") == 1


def test_scoring_as_twenty_questions():
    assert play(GAME, ["GUESS: madrid"], "capitals_00").scores["main"] == 95
    env = play(GAME, ["GUESS: Barcelona", "QUESTION: Which country?", "Spain.", "GUESS: Madrid!"], "capitals_00")
    assert env.outcome == "win" and env.scores["main"] == 85 and env.scores["reward"] == -2
    assert env.scores["metrics"] == {"turns": 3, "questions": 1, "wrong_guesses": 1}
    env = play(GAME, ["GUESS: Paris"] * 20, "capitals_00")
    assert env.outcome == "lose" and env.scores["main"] == 0 and env.scores["reward"] == -20


def test_format_breaks_reprompt_then_abort():
    env = play(GAME, ["Where is it?", "Is it big", "question? is it big"], "capitals_00")
    assert env.outcome == "abort" and [e["type"] for e in env.events].count("reprompt") == 2
    env = play(GAME, ["QUESTION: Which country?", "", "   ", ""], "capitals_00")
    assert env.outcome == "abort"


def test_the_oracle_is_simulated_and_its_prompt_holds_the_city():
    record = play_with(GAME, "capitals_00", {}).record()
    assert record["simulated_roles"] == ["oracle"]
    assert "The city is madrid." in record["messages"]["oracle"][0]["content"]
    assert "madrid" not in record["messages"]["asker"][0]["content"].lower()
