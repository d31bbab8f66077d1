"""`reward VALUE to ROLE once KEY`: a key pays once per episode; every reward carries a key."""

from __future__ import annotations

from gamelang.instances import make_instance
from gamelang.lang.loader import load_spec_text
from gamelang.runtime.episode import GameEnv
from gamelang.validate import validate_paths
from tests.conftest import compile_text, play

GAME = """
game goals { version 1 }
instance { goals: list[str] = ["hotel", "train"] }
role agent { intro "Book things. Answer: CALL <name>" }
move call by agent = regex /CALL\\s+(?P<name>\\w+)/
var calls: int = 0
state act {
  ask agent
  parse call
  set calls = calls + 1
  if call.name in goals {
    reward 1 / len(goals) to agent once call.name
  }
  reward -0.01
  if len(paid) == len(goals) end win
  if calls >= 4 end lose
  goto act
}
limits { requests 6 }
score { metric paid_goals = len(paid) }
"""

YAML = """
game: {name: goals, version: 1}
instance:
  goals:
    type: list[str]
    default: [hotel, train]
roles:
  agent: {intro: "Book things. Answer: CALL <name>"}
moves:
  call: {by: agent, regex: 'CALL\\s+(?P<name>\\w+)'}
vars:
  calls: {type: int, init: 0}
states:
  act:
    - ask: agent
    - parse: call
    - set: calls
      to: calls + 1
    - if: call.name in goals
      then:
        - {reward: 1 / len(goals), to: agent, once: call.name}
    - reward: -0.01
    - if: len(paid) == len(goals)
      end: win
    - if: calls >= 4
      end: lose
    - goto: act
limits: {requests: 6}
score:
  metrics: {paid_goals: len(paid)}
"""


def test_a_key_pays_once_and_every_reward_has_a_key(tmp_path):
    env = play(compile_text(GAME, tmp_path), ["CALL hotel", "CALL hotel", "CALL taxi", "CALL train"])
    assert env.outcome == "win"
    rewards = env.scores["partial_rewards"]
    assert [(r["key"], r["value"]) for r in rewards] == [
        ("hotel", 0.5), ("act:14", -0.01), ("act:14", -0.01), ("act:14", -0.01), ("train", 0.5), ("act:14", -0.01)]
    events = [e for e in env.events if e["type"] == "reward"]
    assert [e["key"] for e in events] == [r["key"] for r in rewards]
    assert env.state.paid == ["hotel", "train"] and env.record()["paid"] == ["hotel", "train"]
    assert env.scores["metrics"]["paid_goals"] == 2


def test_paid_keys_belong_to_each_branch(tmp_path):
    m = compile_text(GAME, tmp_path)
    env = GameEnv(m)
    env.reset(make_instance(m, {}, 0))
    env.step("CALL hotel")
    child = env.fork()
    child.step("CALL train")
    env.step("CALL hotel")
    assert child.state.paid == ["hotel", "train"] and child.outcome == "win"
    assert env.state.paid == ["hotel"] and env.env["paid"] == ["hotel"]
    snap = env.snapshot()
    assert snap.paid == ["hotel"] and snap.paid is not env.state.paid


def test_yaml_form_says_the_same():
    a = load_spec_text(GAME)
    b = load_spec_text(YAML, "goals.game.yaml")
    assert not a.diags.has_errors and not b.diags.has_errors, b.diags.items
    assert a.spec == b.spec


def test_the_key_must_be_text_or_a_number(tmp_path):
    path = tmp_path / "g.game"
    path.write_text(GAME.replace("once call.name", "once [call.name]"))
    found = [(d.code, d.message) for r in validate_paths([path]).reports for d in r.diagnostics]
    assert found == [("GL0017", "the key of `once` must be str or int, but this is list[str]")]
