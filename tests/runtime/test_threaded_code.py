"""The interpreter's threaded code (a closure per op, blocks of ops written out as one function,
expressions written out) runs every shipped game as the op handlers of OP_HANDLERS run it, one at a
time: the same events, turns, outcomes, scores and program counter after every step, on the scripted
players' replies and on replies spoiled at random (parse failures, failed checks, re-prompts, limits)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from gamelang.compiler import compile_file
from gamelang.instances import load_instances
from gamelang.registry import resolve_game
from gamelang.runtime.episode import OP_HANDLERS, GameEnv, GameRuntimeError
from gamelang.runtime.scheduler import Assignment, EpisodeJob, run_jobs

GAMES = sorted(p.parent.name for p in (Path(__file__).resolve().parents[2] / "games").glob("*/*.game"))


class OneOpAtATime(GameEnv):
    """The interpreter loop as it was: look the op up, call its handler."""

    runs = 0  # how many times this loop ran: the comparison is void unless it ran at every step

    def _run_on(self):  # what reset and step run (GameEnv._advance and _take call it)
        self.runs += 1
        s = self.state
        try:
            while not s.done:
                op = self.machine.states[s.current].ops[s.pc]
                if OP_HANDLERS[type(op)](self, op):
                    break
        except GameRuntimeError as err:
            self._emit({"type": "error", "message": str(err)})
            self._finish("error", str(err))


def _view(env: GameEnv, turn) -> tuple:
    s = env.state
    return (turn.role, turn.messages, turn.reward, turn.done, turn.outcome, turn.reason, turn.scores,
            s.pc, s.current, s.events, s.bindings, s.counters, s.histories, s.pending, s.probing, s.paid, s.rewards)


def _unstamped(env: GameEnv) -> dict:
    """The env's record without the times it was played at."""
    return env.record() | {"started": 0, "duration_s": 0}


def play_both(machine, inst, replies: list[str], context=None) -> tuple[GameEnv, GameEnv]:
    """Play ``inst`` in the threaded env and in :class:`OneOpAtATime`, giving both each of ``replies``
    until the episode ends: the same views after the reset and every step, the same record at the end."""
    fast, slow = GameEnv(machine), OneOpAtATime(machine)
    a, b = fast.reset(inst), slow.reset(inst)
    assert _view(fast, a) == _view(slow, b), context
    for reply in replies:
        if a.done:
            break
        a, b = fast.step(reply), slow.step(reply)
        assert _view(fast, a) == _view(slow, b), context
    assert _unstamped(fast) == _unstamped(slow), context
    return fast, slow


def reference_replies(machine, instances) -> dict[tuple[str, str], list[str]]:
    """The replies the game's scripted players give in each of ``instances``' episodes, by key."""
    records: list[dict] = []
    run_jobs([EpisodeJob(machine, i, 0, 0) for i in instances], Assignment(), 4, records.append)
    return {(r["experiment"], r["instance"]): [e["text"] for e in r["events"] if e["type"] == "reply"]
            for r in records}


def side_by_side(machine, inst, replies: list[str], rng: random.Random, spoiled: bool):
    """Play ``inst`` in the threaded env and in :class:`OneOpAtATime` with the same replies (the
    reference replies, or spoiled ones), at most 40 steps: yield both envs and their turns after
    the reset and after each step."""
    replies = replies or ["x"]
    fast, slow = GameEnv(machine), OneOpAtATime(machine)
    a, b = fast.reset(inst), slow.reset(inst)
    yield fast, a, slow, b
    for i in range(40):
        if a.done:
            break
        reply = replies[i % len(replies)]
        if spoiled:
            reply = _spoil(reply, rng)
        a, b = fast.step(reply), slow.step(reply)
        yield fast, a, slow, b


def _spoil(reply: str, rng: random.Random) -> str:
    return rng.choice([reply, reply, "", "nonsense", reply.upper(), reply[: len(reply) // 2], reply + "\nmore",
                       reply.replace(" ", "  "), "CLUE: GUESS: answer: {}", reply[::-1]])


@pytest.mark.parametrize("game", GAMES)
def test_threaded_code_runs_as_the_handlers_do(game):
    machine = compile_file(resolve_game(game)).machine
    instances = load_instances(machine)[:12]
    scripts = reference_replies(machine, instances)
    rng = random.Random(game)
    for spoiled in (False, True):
        for inst in instances:
            turns = 0
            for fast, a, slow, b in side_by_side(machine, inst, scripts[(inst.experiment, inst.id)], rng, spoiled):
                assert _view(fast, a) == _view(slow, b), (game, inst.id, turns)
                turns += 1
            assert slow.runs == turns  # the handlers' loop ran at the reset and at every step
            assert _unstamped(fast) == _unstamped(slow)


ERRORS = """
game e {{ version 1 }}
instance {{ target: int = 3 }}
role p {{ intro "Guess." }}
var n: int = 0
var words: list[str] = ["a"]
move guess by p = regex /(?P<n>-?\\d+)/ as {{ n: int }}
state play {{
  ask p
  parse guess else reprompt 1 "again"
  set n = n + 1
  tell p "n is {{{{ n }}}}"
  {stmt}
  set n = n + 2
  goto play
}}
limits {{ requests 4 }}
"""


@pytest.mark.parametrize("stmt", [
    "set n = 100 // (guess.n - 2)", "check 100 % (guess.n - 2) == 0 else lose", "if 1 / (guess.n - 2) > 0 end win",
    "set n = len(words[guess.n])", "check guess.n != 5 else reprompt 1 \"not 5\"", "if guess.n == 7 goto play",
    "tell p \"{{ words[guess.n] }}\"",
    # a template without a fast renderer (templatefast does not write `set` of several names): render's Jinja
    "tell p \"{% set a, b = n, 2 %}{{ a + b }}\"",
])
def test_errors_and_failures_inside_a_block(tmp_path, stmt):
    from tests.conftest import compile_text

    machine = compile_text(ERRORS.format(stmt=stmt), tmp_path)
    inst = load_instances(machine)[0]
    for replies in (["2"], ["x", "2"], ["5", "5", "1"], ["7", "1", "3", "4"], ["1", "x", "x"], ["0", "3"]):
        fast, slow = play_both(machine, inst, replies, (stmt, replies))
        assert (fast.outcome, fast.reason, fast.state.pc) == (slow.outcome, slow.reason, slow.state.pc)


BRANCHES = """
game b {{ version 1 }}
role p {{ intro "Say a number." }}
var n: int = 0
var seen: list[int] = []
move num by p = regex /(?P<n>-?\\d+)/ as {{ n: int }}
state play {{
  ask p "{{{{ 100 // (n - 4) }}}}"
  parse num else reprompt 1 "a number, please"
  set n = n + 1
  if num.n > 50 {{
    if num.n > 90 {{
      end win
    }} else if num.n > 70 {{
      set seen = seen + [100 // (num.n - 80)]
    }} else {{
      tell p "between 50 and 70"
    }}
    set seen = seen + [1]
  }} else if num.n < 0 {{
    goto other
  }} else {{
    {stmt}
    if num.n == 7 {{
      ask p
      parse num else lose
      set seen = seen + [num.n]
    }}
  }}
  for x in seen {{
    if x == 3 {{
      set n = n + 10
    }}
  }}
  if n >= 6 end lose "too many"
  tell p "n is {{{{ n }}}}"
  goto play
}}
state other {{
  set n = n + 100 // (n - 3)
  if n > 200 goto play
  ask p
  parse num else abort "no number"
  goto {back}
}}
limits {{ requests 12 }}
"""


@pytest.mark.parametrize("back", ["play", "other"])
@pytest.mark.parametrize("stmt", ["set seen = seen + [num.n]", "check num.n != 5 else reprompt 1 \"not 5\"",
                                  "set n = n + 10 // (num.n - 4)"])
def test_ifs_written_as_python_ifs(tmp_path, stmt, back):
    """A block writes an if whose branches lie ahead (else if, else, nested, one that asks, one that
    moves to another state) as Python's if/else: every path, with its errors, runs as the handlers run it;
    so does the ask a block runs after its goto (whose message fails when n is 4)."""
    from gamelang.instances import Instance
    from tests.conftest import compile_text

    machine = compile_text(BRANCHES.format(stmt=stmt, back=back), tmp_path)
    rng = random.Random(stmt + back)
    numbers = ["95", "75", "80", "60", "3", "4", "5", "7", "-1", "x", "0", "3"]
    for _ in range(60):  # the request limit (12) ends every episode within 40 replies
        fast, _ = play_both(machine, Instance("e", "0", {}), [rng.choice(numbers) for _ in range(40)], (stmt, back))
        assert fast.done


def test_ifs_nested_deeper_than_a_block_writes(tmp_path):
    """Fourteen ifs, one in the other: a block writes ten of them, the loop and the next block go on."""
    from gamelang.instances import Instance
    from tests.conftest import compile_text

    depth = 14
    nested = "".join(f"{'  ' * i}if num.n > {i} {{\n{'  ' * i}  set n = n + 1\n" for i in range(depth))
    nested += "".join(f"{'  ' * i}}}\n" for i in reversed(range(depth)))
    game = ("game d { version 1 }\nrole p { intro \"Say a number.\" }\nvar n: int = 0\n"
            "move num by p = regex /(?P<n>-?\\d+)/ as { n: int }\n"
            f"state play {{\n  ask p\n  parse num else lose\n{nested}  if n > 20 end win\n  goto play\n}}\n"
            "limits { requests 6 }\n")
    machine = compile_text(game, tmp_path)
    for replies in (["20", "3"], ["13", "9", "0", "14"], ["5", "x"], ["11", "12", "13"]):
        play_both(machine, Instance("e", "0", {}), replies, replies)
