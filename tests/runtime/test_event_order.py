"""The threaded code makes its events as copies of per-op templates (threaded._event_template): the
events must hold the same keys in the same order as the handlers' (records are written in that
order), with every event a dict of its own (none shared with a template or another event)."""

from __future__ import annotations

import random

import pytest

from gamelang.compiler import compile_file
from gamelang.instances import load_instances
from gamelang.registry import resolve_game
from gamelang.runtime.episode import GameEnv
from tests.runtime.test_threaded_code import GAMES, reference_replies, side_by_side


@pytest.mark.parametrize("game", GAMES)
def test_events_keep_the_handlers_key_order_and_are_new_dicts(game):
    machine = compile_file(resolve_game(game)).machine
    instances = load_instances(machine)[:6]
    scripts = reference_replies(machine, instances)
    rng = random.Random(game)
    seen: set[int] = set()
    alive: list[GameEnv] = []  # every env kept, so that the ids of their events stay unique
    for spoiled in (False, True):
        for inst in instances:
            for fast, _, slow, _ in side_by_side(machine, inst, scripts[(inst.experiment, inst.id)], rng, spoiled):
                pass
            alive.append(fast)
            assert [list(e.items()) for e in fast.state.events] == [list(e.items()) for e in slow.state.events]
            for event in fast.state.events:
                assert id(event) not in seen  # a new dict each time
                seen.add(id(event))
            fast.state.events[-1]["changed"] = True  # changing a handed-out event changes no later one
            again = GameEnv(machine)
            again.reset(inst)
            assert all("changed" not in e for e in again.state.events)
