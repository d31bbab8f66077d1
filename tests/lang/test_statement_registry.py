"""The statement registry (gamelang/lang/statements.py) is complete: every statement kind of the spec
has one entry with every hook, every grammar rule of a statement has its parse-tree method, every op
is named by an entry (and has an interpreter handler), and the generic walk reaches every nested body."""

from __future__ import annotations

import importlib
import inspect
import typing

import pytest

from gamelang import machine as ir
from gamelang.lang.parser import GameBuilder, get_parser
from gamelang.lang.spec import STATEMENT_KEYS, STATEMENT_MODELS, Statement
from gamelang.lang.statements import KINDS, kind_of, walk
from tests.conftest import compile_text

#: One game that uses every statement kind, nested in every kind of body.
EVERY_CONSTRUCT = """
game every { version 1 }
instance { xs: list[int] = [1, 2] }
tool look(q: str) "Look something up"
role a { intro "hi" }
move m by a = regex /(?P<x>\\d+)/
move call by a = tool
var n: int = 0
state s {
  ask a "Say a number."
  parse m else reprompt 1 "A number, please." then lose
  check m.x != "9" else goto t
  set n = n + 1
  tell a "noted"
  reward 1 to a once "first"
  for x in xs {
    if x == 1 {
      probe a "What now?"
      parse m else goto t
    } else if x == 2 {
      reward x
    } else {
      set n = x
    }
  }
  if n > 5 goto t
  if n > 6 end lose
  goto t
}
state t {
  ask a "Call a tool."
  parse call else abort
  result call "nothing found"
  if n > 0 { end win "done" } else { end lose }
}
limits { requests 20 }
"""


def _union_models() -> set[type]:
    union = typing.get_args(Statement)[0]
    return {typing.get_args(member)[0] for member in typing.get_args(union)}


def _op_classes() -> set[type]:
    return {cls for _, cls in inspect.getmembers(ir, inspect.isclass)
            if issubclass(cls, ir.Op) and cls is not ir.Op and cls.__module__ == ir.__name__}


def test_every_statement_model_has_one_registry_entry():
    assert _union_models() == set(STATEMENT_MODELS.values()) == set(KINDS)
    assert [KINDS[model].key for model in STATEMENT_MODELS.values()] == list(STATEMENT_KEYS)


def test_every_entry_names_its_hooks_bodies_and_ops():
    for model, kind in KINDS.items():
        assert kind.model is model
        for hook in (kind.check, kind.lower, kind.edges, kind.leaves):
            assert callable(hook), (kind.key, hook)
        for attr, key in kind.bodies:  # a body is a list of statements, with its key in the data
            field = model.model_fields[attr]
            assert (field.alias or attr) == key, (kind.key, attr)
        assert kind.ops and all(issubclass(op, ir.Op) for op in kind.ops), kind.key


def test_every_op_class_is_named_by_an_entry():
    named = {op for kind in KINDS.values() for op in kind.ops}
    assert named == _op_classes()


def test_every_grammar_rule_of_a_statement_has_its_builder_method():
    aliases = {r.alias for r in get_parser().rules if r.origin.name in ("stmt", "if_stmt") and r.alias}
    assert aliases and all(callable(getattr(GameBuilder, "stmt_" + a, None)) for a in aliases), aliases


def test_every_op_has_an_interpreter_handler():
    episode = importlib.import_module("gamelang.runtime.episode")
    handlers = getattr(episode, "OP_HANDLERS", None)
    if handlers is None:
        pytest.skip("gamelang.runtime.episode has no OP_HANDLERS table yet")
    named = {op for kind in KINDS.values() for op in kind.ops}
    assert named <= set(handlers), named - set(handlers)


def test_the_walk_reaches_every_kind_and_every_nested_body(tmp_path):
    machine = compile_text(EVERY_CONSTRUCT, tmp_path)
    states = machine.spec.states
    reached = [(name, path, stmt) for name, body in states.items() for path, stmt in walk(body)]
    assert {type(stmt) for _, _, stmt in reached} == set(KINDS)
    assert any(stmt.probe for _, _, stmt in reached if kind_of(stmt).key == "ask")
    # every nested body, and nothing twice: 14 statements at the top of the states, 10 nested
    # (the for body's if, its branches and the else-if's, the one-line ifs' goto and end)
    assert len(reached) == len({id(stmt) for _, _, stmt in reached}) == 24
    assert ("s", (6, "do", 0, "else", 0, "else", 0)) in {(name, path) for name, path, _ in reached}
    # each path leads back to its statement in the spec's data
    for name, path, stmt in reached:
        node = states[name]
        for part in path:
            node = node[part] if isinstance(part, int) else getattr(node, _attr(type(node), part))
        assert node is stmt
    # the lowered state machine uses exactly the ops the registry names for these statements
    emitted = {type(op) for code in machine.states.values() for op in code.ops}
    assert emitted == {op for kind in KINDS.values() for op in kind.ops}


def _attr(model: type, key: str) -> str:
    return next(attr for attr, k in KINDS[model].bodies if k == key)
