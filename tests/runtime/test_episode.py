"""The interpreter: every statement, failure handling, limits, messages and scoring."""

from __future__ import annotations

import pytest

from gamelang.instances import make_instance
from gamelang.runtime.episode import GameEnv
from tests.conftest import compile_text, play

TWO_ROLES = """
game g { version 1 }
instance { word: str = "apple" }
role a { system "You are A." intro "Hello A, the word is {{ word }}." }
role b { intro "Hello B." }
var n: int = 0
move say by a = regex /^SAY:\\s*(?P<text>.+)$/
move pick by b = choice ["yes", "no"]
state first {
  tell a "Extra note."
  ask a "Your turn."
  parse say else abort "a broke the format"
  set n = n + 1
  tell b "A said: {{ say.text }}"
  goto second
}
state second {
  ask b
  parse pick else reprompt 2 "Answer yes or no." then lose "b never answered"
  if pick.value == "yes" end win "agreed"
  if n >= 2 end lose
  tell a "B said no."
  goto first
}
limits { requests 10 }
score { main = if(won, 100 / n, 0) metric rounds = n }
"""


def test_messages_are_merged_and_histories_kept(tmp_path):
    m = compile_text(TWO_ROLES, tmp_path)
    env = GameEnv(m)
    turn = env.reset(make_instance(m, {}, 0))
    assert turn.role == "a"
    assert turn.messages == [
        {"role": "system", "content": "You are A."},
        {"role": "user", "content": "Hello A, the word is apple.\n\nExtra note.\n\nYour turn."},
    ]
    turn = env.step("SAY: hi there")
    assert turn.role == "b"
    assert turn.messages == [{"role": "user", "content": "Hello B.\n\nA said: hi there"}]
    turn = env.step("no")
    assert turn.role == "a"
    assert turn.messages[-2:] == [{"role": "assistant", "content": "SAY: hi there"},
                                  {"role": "user", "content": "B said no.\n\nExtra note.\n\nYour turn."}]
    turn = env.step("SAY: again")
    turn = env.step("yes")
    assert turn.done and turn.outcome == "win" and turn.reason == "agreed"
    assert turn.scores["main"] == 50.0 and turn.scores["metrics"] == {"rounds": 2}
    assert turn.scores["requests"] == 4 and turn.scores["parsed"] == 4


def test_model_text_is_never_rendered_as_a_template(tmp_path):
    m = compile_text(TWO_ROLES, tmp_path)
    env = play(m, ["SAY: {{ word }} {% if true %}x{% endif %}", "yes"])
    told = [e for e in env.events if e["type"] == "tell" and e["role"] == "b"][0]
    assert told["text"] == "A said: {{ word }} {% if true %}x{% endif %}"


def test_parse_failure_aborts_with_the_given_reason(tmp_path):
    env = play(compile_text(TWO_ROLES, tmp_path), ["no prefix"])
    assert (env.outcome, env.reason) == ("abort", "a broke the format")
    assert env.scores["main"] is None and env.scores["reward"] == 0.0
    assert env.scores["violated"] == 1


def test_reprompt_runs_the_state_again_from_the_ask_then_gives_up(tmp_path):
    m = compile_text(TWO_ROLES, tmp_path)
    env = play(m, ["SAY: hi", "maybe", "perhaps", "dunno"])
    assert env.outcome == "lose" and env.reason == "b never answered"
    asks = [e for e in env.events if e["type"] == "ask"]
    assert [a["message"] for a in asks[1:]] == ["Hello B.\n\nA said: hi", "Answer yes or no.", "Answer yes or no."]
    assert env.scores["reprompts"] == 2
    env = play(m, ["SAY: hi", "maybe", "yes"])
    assert env.outcome == "win"


def test_reprompt_counter_starts_again_when_the_state_is_entered_again(tmp_path):
    m = compile_text(TWO_ROLES, tmp_path)
    env = play(m, ["SAY: a", "x", "x", "no", "SAY: b", "x", "x", "no"])
    assert env.outcome == "lose" and env.scores["reprompts"] == 4


def test_the_request_limit_ends_the_episode(tmp_path):
    text = TWO_ROLES.replace("limits { requests 10 }", "limits { requests 3 on_limit abort \"too long\" }")
    env = play(compile_text(text, tmp_path), ["SAY: a", "no", "SAY: b"])
    assert env.outcome == "abort" and env.reason.startswith("too long (the request limit (3)")


def test_long_replies_are_cut(tmp_path):
    text = TWO_ROLES.replace("limits { requests 10 }", "limits { requests 10 reply_chars 12 }")
    env = play(compile_text(text, tmp_path), ["SAY: " + "x" * 100, "yes"])
    reply = [e for e in env.events if e["type"] == "reply"][0]
    assert len(reply["text"]) == 12 and reply["truncated"] == 105


CHECKS = """
game c { version 1 }
instance { target: int = 3 }
role p { intro "Guess." }
var guesses: list[int] = []
move guess by p = regex /(?P<n>-?\\d+)/ as { n: int }
state play {
  ask p
  parse guess else abort
  check guess.n >= 0 else lose "negative"
  set guesses = guesses + [guess.n]
  reward if(guess.n == target, 1.0, -0.1)
  if guess.n == target end win
  goto play
}
limits { requests 5 }
score {
  reward = partial_reward
  metric tries = len(guesses)
  metric last = guesses[len(guesses) - 1]
}
"""


def test_partial_rewards_reach_the_environment_step(tmp_path):
    m = compile_text(CHECKS, tmp_path)
    env = GameEnv(m)
    env.reset(make_instance(m, {}, 0))
    turn = env.step("1")
    assert turn.reward == pytest.approx(-0.1) and not turn.done
    turn = env.step("3")
    assert turn.done and turn.reward == pytest.approx(1.0)
    assert turn.scores["reward"] == pytest.approx(0.9)
    assert [r["value"] for r in turn.scores["partial_rewards"]] == pytest.approx([-0.1, 1.0])
    assert turn.scores["metrics"] == {"tries": 2, "last": 3}


def test_check_failure_loses_and_unset_metrics_are_null(tmp_path):
    env = play(compile_text(CHECKS, tmp_path), ["-4"])
    assert (env.outcome, env.reason) == ("lose", "negative")
    assert env.scores["metrics"] == {"tries": 0, "last": None}


def test_default_main_score(tmp_path):
    env = play(compile_text(CHECKS, tmp_path), ["3"])
    assert env.scores["main"] == 100.0


def test_a_runtime_error_in_the_game_is_an_error_outcome_with_its_line(tmp_path):
    text = CHECKS.replace("set guesses = guesses + [guess.n]", "set guesses = guesses + [100 // (guess.n - 2)]")
    env = play(compile_text(text, tmp_path), ["2"])
    assert env.outcome == "error"
    assert "line 11" in env.reason and "division by zero" in env.reason
    assert env.scores["main"] is None


def test_a_template_error_is_an_error_outcome(tmp_path):
    text = CHECKS.replace('role p { intro "Guess." }', 'role p { intro "Guess {{ target // 0 }}." }')
    env = GameEnv(compile_text(text, tmp_path))
    turn = env.reset(make_instance(env.machine, {}, 0))
    assert turn.done and turn.outcome == "error" and "while starting" in turn.reason


def test_fail_records_a_backend_error(tmp_path):
    m = compile_text(CHECKS, tmp_path)
    env = GameEnv(m)
    env.reset(make_instance(m, {}, 0))
    turn = env.fail("server down")
    assert turn.done and turn.outcome == "error" and turn.reason == "server down"
    record = env.record()
    assert record["outcome"] == "error" and record["events"][-1] == {"type": "error", "message": "server down"}


def test_step_after_the_end_is_refused(tmp_path):
    m = compile_text(CHECKS, tmp_path)
    env = GameEnv(m)
    env.reset(make_instance(m, {}, 0))
    env.step("3")
    with pytest.raises(RuntimeError):
        env.step("again")


def test_records_are_deterministic(tmp_path):
    m = compile_text(TWO_ROLES, tmp_path)
    a = play(m, ["SAY: a", "no", "SAY: b", "no"], seed=7).record()
    b = play(m, ["SAY: a", "no", "SAY: b", "no"], seed=7).record()
    for r in (a, b):
        r.pop("started"), r.pop("duration_s")
    assert a == b


def test_if_else_chains(tmp_path):
    text = """
game b { version 1 }
role p { intro "n?" }
var label: str = ""
move m by p = regex /(?P<n>\\d+)/ as { n: int }
state s {
  ask p
  parse m
  if m.n < 10 {
    set label = "small"
  } else if m.n < 100 {
    set label = "medium"
  } else {
    set label = "large"
  }
  if label == "medium" end win
  end lose "{{ label }}"
}
"""
    m = compile_text(text, tmp_path)
    assert play(m, ["5"]).reason == "small"
    assert play(m, ["50"]).outcome == "win"
    assert play(m, ["500"]).reason == "large"


def test_template_files_json_constants_and_personas(tmp_path):
    (tmp_path / "intro.j2").write_text("You are {{ persona }}.\nPrices: {% for k, v in prices.items() %}{{ k }}={{ v }} {% endfor %}")
    (tmp_path / "prices.json").write_text('{"tea": 2, "cake": 4}')
    text = """
game shop { version 1 }
instance { customer: str = "a tired student" }
const prices: map[str, int] from "prices.json"
role user { persona customer intro file "intro.j2" }
move order by user = json { item: str, count: int }
state s {
  ask user
  parse order else abort
  check order.item in prices else lose "not on the menu"
  end win "pays {{ prices[order.item] * order.count }}"
}
player buyer for user { reply '{"item": "tea", "count": 3}' }
"""
    m = compile_text(text, tmp_path)
    env = GameEnv(m)
    turn = env.reset(make_instance(m, {}, 0))
    assert turn.messages[0]["content"] == "You are a tired student.\nPrices: tea=2 cake=4 "
    turn = env.step('{"item": "tea", "count": 3}')
    assert turn.outcome == "win" and turn.reason == "pays 6"
    assert env.record()["simulated_roles"] == ["user"]


def test_a_player_that_answers_too_few_requests_fails_those_episodes(tmp_path):
    from gamelang.players.base import Player
    from gamelang.runtime.scheduler import Assignment, EpisodeJob, run_jobs

    class Forgetful(Player):
        def respond(self, requests):
            return ["yes"] * (len(requests) - 1)

    m = compile_text(TWO_ROLES, tmp_path)
    assignment = Assignment()
    assignment.players["scripted"] = Forgetful("forgetful")
    records: list[dict] = []
    jobs = [EpisodeJob(m, make_instance(m, {}, i), 0, i) for i in range(3)]
    run_jobs(jobs, assignment, 3, records.append)
    assert len(records) == 3
    assert all(r["outcome"] == "error" and "answered 2 of 3 requests" in r["reason"] for r in records)


def test_every_built_in_name_the_checker_allows_has_a_runtime_value(tmp_path):
    from gamelang.lang.checks import RUNTIME_BUILTINS
    from gamelang.lang.types import type_of_value

    m = compile_text(CHECKS, tmp_path)
    env = GameEnv(m)
    env.reset(make_instance(m, {}, 0))
    for name, declared in RUNTIME_BUILTINS.items():
        assert name in env.env, name
        assert type_of_value(env.env[name]).fits(declared), name


def test_a_played_episode_is_freed_without_the_cyclic_collector():
    """No reference cycle through an env (a view or a callback holding it): a finished episode is
    freed as soon as it is let go, not at the next collection of a long run's garbage."""
    import gc
    import weakref

    from gamelang.compiler import compile_file
    from gamelang.instances import load_instances
    from gamelang.registry import resolve_game
    from gamelang.runtime.rollout import Assignment, RolloutEngine
    from gamelang.runtime.scheduler import EpisodeJob

    machine = compile_file(resolve_game("taboo")).machine
    engine = RolloutEngine(Assignment())
    gc.collect()
    gc.disable()
    try:
        env = engine.start(EpisodeJob(machine, load_instances(machine)[0], 0, 0))
        while not env.done:
            engine.play_round([env])  # requests with views, scripted replies, feed
        assert env.record()["outcome"] == "win"
        gone = weakref.ref(env)
        del env
        assert gone() is None
    finally:
        gc.enable()
