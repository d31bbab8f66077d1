"""What reset starts an episode with, now that part of it is made once per machine: the bindings
and the flat names in the order the definition gives (moves, built-in names, variables in their
order; instance data, constants, bindings), each episode with its own containers, variables
whose initial value reads a constant, system messages and intros with personas, the error of an
intro that fails, and a machine whose parts are replaced."""

from __future__ import annotations

from gamelang.instances import make_instance
from gamelang.lang.builtins import episode_initial
from gamelang.runtime.episode import GameEnv
from tests.conftest import compile_text

GAME = """
game g { version 1 }
instance { word: str = "apple"  who: str = "a pirate" }
const limit: int = 3
role a { persona who system "You are {{ persona }}." intro "Hello {{ persona }}, the word is {{ word }}." }
role b { intro "Hello B, {{ first }} {{ second }} {{ third }} {{ label }}." }
var first: int = 1
var label: str = "x"
var second: int = limit + 1
var third: str = "t"
var seen: list[str] = []
move say by a = regex /^SAY:\\s*(?P<text>.+)$/
state s {
  ask a "Go."
  parse say else abort "no"
  set seen = seen + [say.text]
  end win
}
"""


def _expected_bindings():
    values = {"first": 1, "label": "x", "second": 4, "third": "t", "seen": []}
    return {"say": None, **episode_initial(), **values, "requests": 1}  # the first ask is counted


def test_bindings_names_and_messages_as_defined(tmp_path):
    machine = compile_text(GAME, tmp_path)
    env = GameEnv(machine)
    for episode in range(3):  # the first episode makes what the others reuse
        turn = env.reset(make_instance(machine, {}, 0), episode=episode)
        s = env.state
        expected = _expected_bindings()
        assert list(s.bindings.items()) == list(expected.items())
        data = env.state.instance.data
        assert list(env.env.items()) == list({**data, **machine.consts, **expected}.items())
        assert s.histories["a"][0] == {"role": "system", "content": "You are a pirate."}
        assert turn.messages[-1]["content"] == "Hello a pirate, the word is apple.\n\nGo."
        assert s.pending["b"] == ["Hello B, 1 4 t x."]
        assert s.events[0] == {"type": "state", "to": "s"}


def test_each_episode_has_its_own_containers(tmp_path):
    machine = compile_text(GAME, tmp_path)
    one, two = GameEnv(machine), GameEnv(machine)
    one.reset(make_instance(machine, {}, 0))
    two.reset(make_instance(machine, {}, 0))
    a, b = one.state, two.state
    for name in ("bindings", "counters", "histories", "pending", "asks", "events"):
        assert getattr(a, name) is not getattr(b, name), name
    assert a.bindings["paid"] is not b.bindings["paid"]
    assert a.histories["a"] is not b.histories["a"]
    one.step("SAY: hi")
    assert one.state.bindings["seen"] == ["hi"] and two.state.bindings["seen"] == []


def test_an_intro_that_fails_gives_the_error_of_the_episode(tmp_path):
    machine = compile_text(GAME.replace("the word is {{ word }}", "{{ limit // 0 }}"), tmp_path)
    env = GameEnv(machine)
    turn = env.reset(make_instance(machine, {}, 0))
    assert turn.done and turn.outcome == "error"
    error = "template failed: ZeroDivisionError: integer division or modulo by zero"
    assert turn.reason == f"while starting the episode: {error}"
    assert env.state.events == [{"type": "error", "message": error}]


def test_replaced_initial_values_are_used(tmp_path):
    machine = compile_text(GAME, tmp_path)
    env = GameEnv(machine)
    env.reset(make_instance(machine, {}, 0))
    other = compile_text(GAME.replace('var label: str = "x"', 'var label: str = "y"'), tmp_path, "h.game")
    machine.var_inits = other.var_inits  # a part replaced: what reset makes once is made again
    env.reset(make_instance(machine, {}, 0))
    assert env.state.bindings["label"] == "y"
