"""Regression tests for the defects a new user hit (issue 11, "Defects to fix" 1-9)."""

from __future__ import annotations

import subprocess

from gamelang.graph import edges
from gamelang.lang.loader import load_spec_text
from gamelang.validate import validate_paths
from tests.conftest import compile_text, gamelang_cmd, play


def codes(text: str, tmp_path, name: str = "g.game") -> list[str]:
    path = tmp_path / name
    path.write_text(text)
    return [f"{d.code} {d.message}" for r in validate_paths([path]).reports for d in r.diagnostics]


def test_1_set_inside_if_in_a_template(tmp_path):
    game = ('game set_in_if { version 1 } role a { intro "hi" } move m by a = regex /(?P<x>.*)/ '
            'state s { ask a "{% if true %}{% set y = 1 %}{{ y }}{% endif %}" parse m end win }')
    assert codes(game, tmp_path) == []
    env = play(compile_text(game, tmp_path), ["ok"])
    assert next(e for e in env.events if e["type"] == "ask")["message"] == "hi\n\n1"


GRAPH = """
game g2 { version 1 }
role a { intro "hi" }
move m by a = regex /(?P<x>.*)/
state s {
  ask a
  parse m
  if m.x == "a" or m.x == "b" {
    if m.x == "b" end win
    end lose
  }
  check m.x != "c" else lose
  end abort
}
"""


def test_2_graph_labels_keep_the_meaning_of_nested_conditions():
    spec = load_spec_text(GRAPH).spec
    labels = {(e.target, e.label) for e in edges(spec)}
    assert ("win", '(m.x == "a" or m.x == "b") and m.x == "b"') in labels
    assert ("lose", '(m.x == "a" or m.x == "b") and m.x != "b"') in labels
    assert ("lose", 'not (m.x == "a" or m.x == "b") and m.x == "c"') in labels
    assert ("abort", 'not (m.x == "a" or m.x == "b") and m.x != "c"') in labels


EXPERIMENTS = """
game g3 { version 1 }
instance { group: str x: int }
instances "i.jsonl" by group
experiment g3 { x = 5 }
role a { intro "hi {{ x }}" }
move m by a = regex /(?P<x>.*)/
state s { ask a parse m end win }
player p for a { reply "hello" }
"""


def test_3_an_experiment_without_instances_is_a_warning_and_play_says_so(tmp_path):
    (tmp_path / "i.jsonl").write_text('{"group": "g1", "x": 1}\n')
    found = codes(EXPERIMENTS, tmp_path)
    assert found == ["GL0039 experiment 'g3' matches no instance: no instance has group 'g3' (groups: g1)"]
    for command in ("play", "run"):
        extra = ["-o", str(tmp_path / "run")] if command == "run" else []
        proc = subprocess.run(gamelang_cmd() + [command, str(tmp_path / "g.game"), "--experiment", "g3", *extra],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, (command, proc.stderr)
        assert "no experiment g3" in proc.stderr


def test_4_a_field_used_only_to_group_instances_is_used(tmp_path):
    (tmp_path / "i.jsonl").write_text('{"group": "g1", "x": 1}\n')
    game = EXPERIMENTS.replace("experiment g3", "experiment g1")
    assert codes(game, tmp_path) == []


def test_5_name_in_the_header_is_explained(tmp_path):
    found = codes('game header_name { version 1 name "other" }\nrole a { intro "hi" }\n'
                  'move m by a = regex /(?P<x>.*)/\nstate s { ask a parse m end win }', tmp_path)
    assert len(found) == 1 and found[0].startswith("GL0007 the game's name is the word after `game`")


def test_6_play_names_the_role_without_a_player(tmp_path):
    (tmp_path / "g.game").write_text("""
game d6 { version 1 }
role a { intro "hi" }
role b { intro "hi" }
move m by a = regex /(?P<x>.*)/
move n by b = regex /(?P<x>.*)/
state s { ask a parse m ask b parse n end win }
player p for a { reply "hello" }
""")
    proc = subprocess.run(gamelang_cmd() + ["play", str(tmp_path / "g.game")], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2
    assert "no reference player for role 'b'" in proc.stderr


def test_6_text_blocks_have_no_escapes(tmp_path):
    m = compile_text('game g { version 1 }\nrole a { intro """\n  a\\nb \\"q\\"\n""" }\n'
                     'move m by a = regex /(?P<x>.*)/\nstate s { ask a parse m end win }', tmp_path)
    assert next(e for e in play(m, ["x"]).events if e["type"] == "ask")["message"] == 'a\\nb \\"q\\"'


def test_7_keywords_are_names_where_they_are_unambiguous(tmp_path):
    game = """
game kw { version 1 }
instance { persona: str = "p" }
role a { intro "hi {{ persona }}" }
move reply by a = regex /(?P<x>.*)/
move choice by a = regex /(?P<x>.*)/
state s { ask a parse reply parse choice if reply.x == choice.x end win end lose }
"""
    assert codes(game, tmp_path) == []
    assert play(compile_text(game, tmp_path), ["yes"]).outcome == "win"
    found = codes(game.replace("move choice", "move if").replace("parse choice", "parse if")
                  .replace("choice.x", "reply.x"), tmp_path)
    assert found == ["GL0033 the move name 'if' is a keyword (reserved: and, false, for, if, in, not, or, true)"]


def test_8_reference_players_read_the_conversation(tmp_path):
    game = """
game g { version 1 }
role a { intro "first" }
move m by a = regex /(?P<x>.*)/
var n: int = 0
state s {
  ask a
  parse m
  set n = n + 1
  if n >= 2 end win
  tell a "second"
  goto s
}
limits { requests 4 }
player p for a { reply "{{ messages | length }} {{ last_message }} {{ messages[0].role }}" }
"""
    assert codes(game, tmp_path) == []
    from gamelang.instances import make_instance
    from gamelang.runtime.episode import GameEnv

    m = compile_text(game, tmp_path)
    env = GameEnv(m)
    env.reset(make_instance(m, {}, 0))
    replies = []
    while not env.done:
        reply = m.reference_player("a").reply.render(env.player_context("a"))
        replies.append(reply)
        env.step(reply)
    assert replies == ["1 first user", "3 second user"]


def test_9_a_failing_score_names_its_line(tmp_path):
    game = ('game d9 { version 1 }\ninstance { xs: list[int] = [] }\nrole a { intro "hi" }\n'
            'move m by a = regex /(?P<x>.*)/\nstate s { ask a parse m end win }\nscore {\n  main = 100 / len(xs)\n}\n')
    env = play(compile_text(game, tmp_path), ["x"])
    assert env.outcome == "error"
    assert env.reason.startswith("scoring failed: line 7: main = 100 / len(xs): division by zero")
