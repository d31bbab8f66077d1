"""The score block written out as one function (threaded.score_code, used by GameEnv._score) gives
what GameEnv._score's general path gives, the env copied with won/lost/aborted/outcome/main added:
the same main, reward and metrics, or the same error, for every outcome, on the states of every
shipped game's episodes and on score blocks made to fail; a score it cannot write (a closure would
read the env) is left to the general path."""

from __future__ import annotations

from pathlib import Path

import pytest

from gamelang.compiler import compile_file
from gamelang.instances import load_instances
from gamelang.registry import resolve_game
from gamelang.runtime.episode import OUTCOMES, GameEnv
from gamelang.runtime.threaded import score_code
from gamelang.instances import make_instance
from tests.conftest import compile_text

GAMES = sorted(p.parent.name for p in (Path(__file__).resolve().parents[2] / "games").glob("*/*.game"))


class GeneralScore(GameEnv):
    """GameEnv with _score's general path (no written function)."""

    def _scoring(self):
        main, reward, metrics, _ = super()._scoring()
        return main, reward, metrics, None


def _outcome(env: GameEnv, outcome: str):
    env.state.outcome = outcome
    try:
        return ("value", env._score())
    except Exception as err:  # noqa: BLE001 - the error is what is compared
        return ("error", type(err).__name__, str(err))


def _compare(machine, env: GameEnv) -> None:
    general = GeneralScore(machine)
    general.state, general.env = env.state, env.env
    saved = env.state.outcome
    for outcome in OUTCOMES:
        assert _outcome(env, outcome) == _outcome(general, outcome), outcome
    env.state.outcome = saved


@pytest.mark.parametrize("game", GAMES)
def test_the_written_score_gives_what_the_general_path_gives(game):
    machine = compile_file(resolve_game(game)).machine
    if game in ("taboo", "wordle"):  # those of bench/interpreter.py are written out
        assert score_code(machine) is not None
    for inst in load_instances(machine)[:8]:
        env = GameEnv(machine)
        turn = env.reset(inst)
        _compare(machine, env)  # at the start: moves not parsed yet (metrics of them are None)
        for _ in range(3):
            if turn.done:
                break
            turn = env.step("nonsense")
        _compare(machine, env)


GAME = """
game s {{ version 1 }}
instance {{ target: int = 3 }}
role p {{ intro "Guess." }}
var n: int = 0
var words: list[str] = ["a", "b"]
move guess by p = regex /(?P<n>-?\\d+)/ as {{ n: int }}
state play {{
  ask p
  parse guess else abort
  set n = guess.n
  if n == target end win
  if n > 5 end lose
  goto play
}}
limits {{ requests 3 }}
score {{
  {score}
}}
"""

SCORES = [
    "main = if(won, 100 / n, 0)",  # fails where n is 0
    "main = if(won, 100, 0)\n  reward = main / 100 + if(lost, 1, 0)\n  metric m = main\n  metric a = aborted",
    "main = len(words[n])\n  metric w = words[n]\n  metric o = outcome",  # an index out of range
    "main = n\n  reward = 1 / (n - 3)\n  metric k = guess.n",
    "main = n * 9223372036854775807\n  metric big = n * 9223372036854775807",  # too large (but where n is 0 or 1)
    "main = len([w for w in words if w != 'a'])\n  metric c = len([w for w in words if won])",  # written out too
    "main = len(words[1:])\n  metric c = count(words[n:], w => won)",  # slices and key functions: written out
    "main = n" + " + 1" * 30 + "\n  metric c = len(words)",  # too deep to write: the general path
]


@pytest.mark.parametrize("score", SCORES)
@pytest.mark.parametrize("replies", [["0"], ["3"], ["9"], ["1", "x"], ["4"]])
def test_score_blocks_that_fail_or_are_left_to_the_general_path(tmp_path, score, replies):
    machine = compile_text(GAME.format(score=score), tmp_path)
    if " + 1" * 30 in score:
        assert score_code(machine) is None
    else:
        assert score_code(machine) is not None
    env = GameEnv(machine)
    turn = env.reset(make_instance(machine, {}, 0))
    for i in range(5):  # the replies over and over, up to the request limit
        if turn.done:
            break
        turn = env.step(replies[i % len(replies)])
    assert turn.done
    _compare(machine, env)
