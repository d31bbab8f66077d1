"""The built-in names are declared once (gamelang/lang/builtins.py): the checker's scopes and the
interpreter's values both come from that table."""

from __future__ import annotations

from pathlib import Path

from gamelang.instances import make_instance
from gamelang.lang.builtins import BUILTINS, builtin_types, counters, episode_initial
from gamelang.lang.checks import PLAYER_BUILTINS, RUNTIME_BUILTINS, SCORE_BUILTINS
from gamelang.lang.types import type_of_value
from gamelang.runtime.episode import GameEnv
from tests.conftest import compile_text

GAME = """
game g { version 1 }
role r { intro "hi" }
state s { ask r end win }
"""


def test_the_checker_reads_the_table():
    assert RUNTIME_BUILTINS == builtin_types("episode")
    assert PLAYER_BUILTINS == builtin_types("player")
    assert SCORE_BUILTINS == builtin_types("score")
    assert len({b.name for b in BUILTINS}) == len(BUILTINS)


def test_the_interpreter_starts_from_the_table(tmp_path: Path):
    m = compile_text(GAME, tmp_path)
    env = GameEnv(m)
    env.reset(make_instance(m, {}, 0))
    asked = {"requests": 1}  # reset runs to the first ask, which counts a request
    assert {n: env.env[n] for n in episode_initial()} == {**episode_initial(), **asked}
    assert env.state.counters == {**counters(), **asked}
    context = env.player_context("r")
    for name, declared in builtin_types("player").items():
        assert type_of_value(context[name]).fits(declared), name
    assert episode_initial()["paid"] is not episode_initial()["paid"]  # a fresh list for every episode
