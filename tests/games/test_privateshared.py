"""privateshared: clembench's instances, format breaks, and clembench's main score (harmonic mean of
slot accuracy and truncated kappa) worked by hand.

Compiling, the instances file, the reference players' wins and the golden replays are checked
for every game in tests/games/test_every_game.py."""

import pytest

from gamelang.instances import load_instances
from tests.games._clemgames import machine, play

GAME = "privateshared"
EXP, ID = "travel-booking", "0"
# slots: from Paris, to Lisbon, by Overnight bus, class Economy, when In two weeks;
# asked in the order to, when, by, from, class
ORDER = ["to", "when", "by", "from", "class"]
VALUES = {"from": "Paris", "to": "Lisbon", "by": "Overnight bus", "class": "Economy", "when": "In two weeks"}


def episode(probe=lambda rnd, i: rnd > i, answer=lambda slot: f"ANSWER: {VALUES[slot]}."):
    """The replies of a whole episode: five probes before the first request and after each answer
    (``probe(round, position)`` says yes or no), and the answers."""
    replies = []
    for rnd in range(6):
        replies += ["ASIDE: yes" if probe(rnd, i) else "ASIDE: no" for i in range(5)]
        if rnd < 5:
            replies.append(answer(ORDER[rnd]))
    return replies


def test_clembench_instances():
    instances = load_instances(machine(GAME))
    assert len(instances) == 50
    assert {i.experiment for i in instances} == {"travel-booking", "job-interview", "restaurant", "things-places",
                                                 "letter-number"}


def test_perfect_episode_wins_with_100():
    env = play(GAME, episode(), EXP, ID)
    assert (env.outcome, env.scores["main"]) == ("win", 100)
    assert env.scores["metrics"]["probes"] == 30


def test_main_score_worked_by_hand():
    # always yes: 15 of 30 probes agree, expected agreement 0.5 -> kappa 0 -> main 0
    env = play(GAME, episode(probe=lambda rnd, i: True), EXP, ID)
    assert (env.outcome, env.scores["main"]) == ("lose", 0)
    # yes to everything before the first request, right afterwards: 25 of 30 agree, truth 15 yes,
    # answers 20 yes: expected 0.5 * 2/3 + 0.5 * 1/3 = 0.5, kappa (5/6 - 0.5) / 0.5 = 2/3;
    # slots 1 -> harmonic mean 2 * 2/3 / (5/3) = 0.8
    env = play(GAME, episode(probe=lambda rnd, i: rnd == 0 or rnd > i), EXP, ID)
    assert env.outcome == "lose"
    assert env.scores["main"] == pytest.approx(80)
    assert env.scores["metrics"]["kappa"] == pytest.approx(2 / 3)
    # one slot not given (class): slot accuracy 0.8; the probes say what the truth says (the
    # truth counts a slot as shared once it was asked for): kappa 1 -> 2 * 0.8 / 1.8
    env = play(GAME, episode(answer=lambda s: "ANSWER: Any class is fine." if s == "class" else f"ANSWER: {VALUES[s]}."),
               EXP, ID)
    assert env.scores["main"] == pytest.approx(100 * 1.6 / 1.8)


def test_a_value_given_early_counts_as_shared_from_then_on():
    # the first answer gives the destination and the origin: 'from' (position 3) is shared after round 1
    def probe(rnd, i):
        return rnd > i or (i == 3 and rnd >= 1)
    env = play(GAME, episode(probe=probe, answer=lambda s: "ANSWER: Lisbon, from Paris." if s == "to"
                             else f"ANSWER: {VALUES[s]}."), EXP, ID)
    assert (env.outcome, env.scores["main"]) == ("win", 100)


def test_an_answer_in_another_form_skips_its_round():
    # as in clembench: no slot filled and no probes for that round
    replies = episode()
    i = replies.index("ANSWER: Lisbon.")
    replies = replies[:i] + ["Lisbon, please."] + replies[i + 6:]
    env = play(GAME, replies, EXP, ID)
    assert env.outcome == "win"   # the probes after it still count 'to' as asked for, as clembench does
    assert env.scores["metrics"]["probes"] == 25 and env.scores["metrics"]["slot_filling_accuracy"] == 1


def test_a_probe_without_yes_or_no_is_asked_again_then_aborts():
    replies = episode()
    env = play(GAME, ["ASIDE: maybe", "I think not"] + replies, EXP, ID)
    assert env.outcome == "win" and env.scores["reprompts"] == 2
    env = play(GAME, ["ASIDE: maybe"] * 5, EXP, ID)
    assert env.outcome == "abort" and env.scores["main"] is None
    env = play(GAME, ["ASIDE: no\nThe agent knows nothing."] * 5, EXP, ID)
    assert env.outcome == "abort"


def test_probes_stay_out_of_the_answerers_conversation():
    env = play(GAME, ["ASIDE: maybe"] + episode(), EXP, ID)
    conversation = env.record()["messages"]["answerer"]
    assert len(conversation) == 10   # five requests (the first with the instructions) and five answers
    assert not any("ME:" in m["content"] and "ASIDE" not in m["content"] for m in conversation[1:])
    assert not any(m["content"].startswith("ASIDE:") for m in conversation)
    assert conversation[0]["content"].endswith("TRAVEL-AGENT: Where would you like to go?")
    probes = [e for e in env.events if e["type"] == "ask" and e.get("probe")]
    assert len(probes) == 31   # 30 probes and one re-prompt, kept in the events
