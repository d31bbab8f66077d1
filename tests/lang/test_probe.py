"""Probes: `probe ROLE MESSAGE`, an ask whose exchange stays out of the role's later history
(issue 11, part 8: clembench's privateshared asks probe questions the player must not see later)."""

from __future__ import annotations

from pathlib import Path

from gamelang.instances import make_instance
from gamelang.lang.loader import load_spec_text
from gamelang.runtime.episode import GameEnv
from tests.conftest import compile_text

GAME = """
game probe_game { version 1 }
role r { system "You fill a form." intro "Hello." }
move answer by r = regex /^ANSWER: (?P<text>.+)$/
move yes_no by r = choice ["yes", "no"]
var sure: int = 0
state s {
  ask r "What is your name?"
  parse answer
  tell r "Noted."
  probe r "Did you give your name? Answer yes or no."
  parse yes_no else reprompt 1 "Only yes or no, please."
  if yes_no.value == "yes" {
    set sure = sure + 1
  }
  ask r "Where do you live?"
  parse answer
  end win
}
limits { requests 6 }
"""

YAML = """
game: {name: probe_game, version: 1}
roles: {r: {system: You fill a form., intro: Hello.}}
moves:
  answer: {by: r, regex: '^ANSWER: (?P<text>.+)$'}
  yes_no: {by: r, choice: ["yes", "no"]}
vars: {sure: {type: int, init: 0}}
states:
  s:
    - {ask: r, message: What is your name?}
    - parse: answer
    - {tell: r, message: Noted.}
    - {ask: r, probe: true, message: Did you give your name? Answer yes or no.}
    - parse: yes_no
      else: {reprompt: 1, message: "Only yes or no, please."}
    - if: yes_no.value == "yes"
      then:
        - {set: sure, to: sure + 1}
    - {ask: r, message: Where do you live?}
    - parse: answer
    - end: win
limits: {requests: 6}
"""


def _play(tmp_path: Path, replies: list[str]) -> tuple[GameEnv, list[list[dict]]]:
    machine = compile_text(GAME, tmp_path)
    env = GameEnv(machine)
    turn = env.reset(make_instance(machine, {}, 0), 0)
    seen = []
    for reply in replies:
        seen.append(turn.messages)
        assert env.player_context(turn.role)["messages"] == turn.messages  # reference players see the same
        turn = env.step(reply)
    assert turn.done
    return env, seen


def test_the_probe_is_asked_in_context_and_left_out_of_the_history(tmp_path: Path):
    env, seen = _play(tmp_path, ["ANSWER: Ada", "yes", "ANSWER: Paris"])
    assert env.outcome == "win" and env.state.bindings["sure"] == 1
    probe_request = seen[1]
    assert probe_request[-1] == {"role": "user", "content": "Noted.\n\nDid you give your name? Answer yes or no."}
    assert probe_request[:-1] == seen[0] + [{"role": "assistant", "content": "ANSWER: Ada"}]
    # afterwards the role sees what it was told, but neither the probe's question nor its answer
    assert seen[2][-1] == {"role": "user", "content": "Noted.\n\nWhere do you live?"}
    history = env.histories["r"]
    assert [m["content"] for m in history] == ["You fill a form.", "Hello.\n\nWhat is your name?", "ANSWER: Ada",
                                               "Noted.\n\nWhere do you live?", "ANSWER: Paris"]
    record = env.record()
    assert record["messages"]["r"] == history  # exports train on the history: no probe in them
    probe_events = [e for e in record["events"] if e.get("probe")]
    assert [(e["type"], e.get("text")) for e in probe_events] == [("ask", None), ("reply", "yes")]
    assert probe_events[0]["message"].endswith("Did you give your name? Answer yes or no.")


def test_a_reprompt_inside_a_probe_stays_inside_it(tmp_path: Path):
    env, seen = _play(tmp_path, ["ANSWER: Ada", "maybe", "no", "ANSWER: Paris"])
    assert env.outcome == "win" and env.state.bindings["sure"] == 0
    assert [m["content"] for m in seen[2][-3:]] == ["Noted.\n\nDid you give your name? Answer yes or no.", "maybe",
                                                   "Only yes or no, please."]
    assert [m["content"] for m in env.histories["r"]][-2:] == ["Noted.\n\nWhere do you live?", "ANSWER: Paris"]
    assert len([e for e in env.events if e["type"] == "reply" and e.get("probe")]) == 2


def test_forks_keep_their_own_probe(tmp_path: Path):
    machine = compile_text(GAME, tmp_path)
    env = GameEnv(machine)
    env.reset(make_instance(machine, {}, 0), 0)
    env.step("ANSWER: Ada")
    child = env.fork()
    env.step("yes")
    assert child.state.probing["r"][-1]["role"] == "user"  # the child still waits for the probe's answer
    assert child.step("no").messages[-1]["content"] == "Noted.\n\nWhere do you live?"


def test_both_forms_say_probe_alike():
    a = load_spec_text(GAME)
    b = load_spec_text(YAML, "g.game.yaml")
    assert a.spec is not None and a.spec == b.spec
    assert a.spec.states["s"][3].probe is True
