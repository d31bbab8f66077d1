"""`for x in LIST { ... }`: a bounded loop over a list (issue 11, part 8)."""

from __future__ import annotations

from gamelang.graph import edges
from gamelang.lang.loader import load_spec_text
from gamelang.validate import validate_paths
from tests.conftest import compile_text, play

GAME = """
game quiz { version 1 }
instance { questions: list[{q: str, a: str}] = [] }
role student { intro "A quiz." }
move answer by student = regex /^(?P<text>.+)$/
var right: int = 0
state run {
  for item in questions {
    ask student "{{ item.q }}"
    parse answer
    if lower(answer.text) == item.a {
      set right = right + 1
    }
    if answer.text == "quit" end abort "quit"
  }
  if right == len(questions) end win
  end lose "{{ right }} of {{ questions | length }}"
}
limits { requests 10 }
"""

YAML = """
game: {name: quiz, version: 1}
instance:
  questions: {type: 'list[{q: str, a: str}]', default: []}
roles: {student: {intro: A quiz.}}
moves: {answer: {by: student, regex: '^(?P<text>.+)$'}}
vars: {right: {type: int, init: 0}}
states:
  run:
    - for: item
      in: questions
      do:
        - {ask: student, message: "{{ item.q }}"}
        - parse: answer
        - if: lower(answer.text) == item.a
          then:
            - {set: right, to: right + 1}
        - {if: answer.text == "quit", end: abort, reason: quit}
    - {if: right == len(questions), end: win}
    - {end: lose, reason: "{{ right }} of {{ questions | length }}"}
limits: {requests: 10}
"""

DATA = {"questions": [{"q": "2+2?", "a": "4"}, {"q": "Capital of France?", "a": "paris"}]}


def test_the_body_runs_once_per_item(tmp_path):
    m = compile_text(GAME, tmp_path)
    env = play(m, ["4", "Paris"], DATA)
    assert env.outcome == "win"
    assert [e["message"] for e in env.events if e["type"] == "ask"] == ["A quiz.\n\n2+2?", "Capital of France?"]
    assert env.scores["steps"] == 3  # the start state and one step per item
    assert play(m, ["5", "paris"], DATA).reason == "1 of 2"
    assert play(m, ["quit"], DATA).outcome == "abort"
    assert play(m, [], {"questions": []}).outcome == "win"  # no item: the body never runs


def test_forks_keep_their_own_place_in_the_loop(tmp_path):
    from gamelang.instances import make_instance
    from gamelang.runtime.episode import GameEnv

    m = compile_text(GAME, tmp_path)
    env = GameEnv(m)
    env.reset(make_instance(m, DATA, 0))
    child = env.fork()
    env.step("4")
    child.step("5")
    env.step("paris")
    child.step("paris")
    assert (env.outcome, child.outcome) == ("win", "lose")


def test_both_forms_agree_and_the_graph_names_the_loop():
    a, b = load_spec_text(GAME), load_spec_text(YAML, "quiz.game.yaml")
    assert not a.diags.has_errors and not b.diags.has_errors, b.diags.items
    assert a.spec == b.spec
    assert ("run", "abort", 'item in questions and answer.text == "quit"') in {
        (e.source, e.target, e.label) for e in edges(a.spec)}


def test_loop_mistakes(tmp_path):
    path = tmp_path / "g.game"
    path.write_text(GAME.replace("for item in questions", "for right in len(questions)")
                    .replace("set right = right + 1", "set right = 1"))
    found = [(d.code, d.message) for r in validate_paths([path]).reports for d in r.diagnostics]
    assert ("GL0017", "`for` goes over a list, not int") in found
    assert ("GL0008", "the loop name 'right' hides the variable 'right'") in found


def test_a_loop_counts_against_the_step_limit(tmp_path):
    m = compile_text(GAME.replace("limits { requests 10 }", "limits { requests 10 steps 2 }"), tmp_path)
    env = play(m, ["4"], DATA)
    assert env.outcome == "lose" and "step limit (2)" in env.reason
