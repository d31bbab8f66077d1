"""A role's system message or intro that reads only the game's constants is rendered once per
machine (episode._constant_text): every episode then starts with the same messages as when each
episode renders them, on every shipped game; templates that read the instance, an episode's
bindings, a function or a simulated role's persona are rendered per episode."""

from __future__ import annotations

from pathlib import Path

import pytest

from gamelang.compiler import compile_file
from gamelang.instances import load_instances, make_instance
from gamelang.lang.templates import CompiledTemplate
from gamelang.registry import resolve_game
from gamelang.runtime import episode
from gamelang.runtime.episode import GameEnv
from tests.conftest import compile_text

GAMES = sorted(p.parent.name for p in (Path(__file__).resolve().parents[2] / "games").glob("*/*.game"))


def _start(machine, inst) -> tuple:
    env = GameEnv(machine)
    turn = env.reset(inst)
    s = env.state
    return turn.role, turn.messages, s.histories, s.pending, s.events, s.outcome, s.reason


@pytest.mark.parametrize("game", GAMES)
def test_episodes_start_as_when_each_renders_its_messages(game, monkeypatch):
    machine = compile_file(resolve_game(game)).machine
    instances = load_instances(machine)[:5]
    once = [_start(machine, inst) for inst in instances]
    machine.extras.pop("episode_start")
    monkeypatch.setattr(episode, "_constant_text", lambda template, persona, consts, bound: template)
    each = [_start(machine, inst) for inst in instances]
    assert once == each


GAME = """
game c {{ version 1 }}
instance {{ target: int = 3 }}
role p {{ intro "{intro}" }}
role q {{ intro "other" }}
var n: int = 0
const rules: str = "the rules"
const k: int = 7
move guess by p = regex /(?P<n>-?\\d+)/ as {{ n: int }}
state play {{
  ask p
  parse guess else abort
  set n = n + guess.n + k + target
  tell q "{{{{ rules }}}}"
  end win
}}
"""


@pytest.mark.parametrize("intro,constant", [
    ("Rules: {{ rules }} and {{ k }}.", True),
    ("plain text", True),
    ("Target {{ target }}.", False),  # the instance
    ("Now {{ n }} of {{ requests }}.", False),  # an episode's bindings
    ("{{ rules | upper }} {{ k * 2 }}", True),
    ("{{ rules ~ n }}", False),
    ("A random rule: {{ rules }}", True),  # the word, not the filter
])
def test_which_templates_are_rendered_once(tmp_path, monkeypatch, intro, constant):
    machine = compile_text(GAME.format(intro=intro), tmp_path)
    starts = {name: intro for name, _, intro in GameEnv(machine)._episode_start()[5]}
    assert isinstance(starts["p"], str) == constant
    assert isinstance(starts["q"], str)
    assert isinstance(machine.roles["p"].intro, CompiledTemplate)  # the machine itself is unchanged
    inst = make_instance(machine, {}, 0)
    once = _start(machine, inst)
    machine.extras.pop("episode_start")
    monkeypatch.setattr(episode, "_constant_text", lambda template, persona, consts, bound: template)
    assert once == _start(machine, inst)


def test_a_simulated_roles_template_and_one_that_fails_stay_templates():
    from gamelang.lang.templates import compile_template

    template = compile_template("{{ rules }}")
    assert episode._constant_text(template, None, {"rules": "x"}, set()) == "x"
    assert episode._constant_text(template, "persona_field", {"rules": "x"}, set()) is template  # a persona is added
    assert episode._constant_text(template, None, {"rules": "x"}, {"rules"}) is template  # an episode binds it
    failing = compile_template("{{ rules[5] }}")
    assert episode._constant_text(failing, None, {"rules": 3}, set()) is failing


def test_a_template_that_draws_at_random_draws_in_every_episode(tmp_path):
    import random

    machine = compile_text(GAME.format(intro="{{ ['one', 'two', 'three', 'four'] | random }} {{ rules }}"), tmp_path)
    starts = {name: intro for name, _, intro in GameEnv(machine)._episode_start()[5]}
    assert isinstance(starts["p"], CompiledTemplate)  # not rendered once for all episodes
    random.seed(14)  # Jinja's random filter draws from Python's random
    inst = make_instance(machine, {}, 0)
    intros = {_start(machine, inst)[1][0]["content"] for _ in range(40)}
    assert len(intros) > 1
