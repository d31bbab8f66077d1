"""Checking a game's clembench scores against results worked out by hand from clembench's rules.

A case is a list of replies (to whoever the game asks, in order) for one instance of a shipped
game, and the episode scores clembench's own game master and scorer give for the same replies:
``Aborted``, ``Lose``, ``Success``, the request counts and ``Main Score`` (``NaN`` for an
aborted episode: written here as ``None``). Every game of the library has its list of cases in
tests/scoring/test_clembench_scores.py; a new game adds one, with at least a win, a loss, an
abort and, where the game re-prompts, a re-prompt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pytest


@dataclass
class Case:
    """Replies for one episode and clembench's episode scores for them."""

    name: str
    replies: list[str]
    expected: dict[str, Any]  # clembench's names; only the keys given are compared
    experiment: str | None = None  # default: the game's first instance
    instance: str | None = None
    outcome: str | None = None  # gamelang's outcome, when the case also checks it
    notes: str = ""
    data: dict[str, Any] = field(default_factory=dict)  # fields to override in the instance
    #: clembench's request counts where its game counts rounds, not requests (taboo, guesswhat):
    #: compared with the record's counts per round (a round violated when one of its requests is),
    #: while ``expected`` holds gamelang's counts per request
    per_round: dict[str, int] | None = None


def round_counts(record: dict[str, Any]) -> dict[str, int]:
    """The record's request counts per round, as clembench's taboo and guesswhat count them: one
    request per round (the export's rounds), parsed unless one of its requests was violated."""
    from gamelang.data.clembench import _rounds
    from gamelang.scoring import violated_requests

    _, request_round = _rounds(record)
    bad = {r for r, v in zip(request_round, violated_requests(record["events"])) if v}
    n = len(set(request_round))
    return {"Request Count": n, "Parsed Request Count": n - len(bad), "Violated Request Count": len(bad)}


@lru_cache(maxsize=None)
def machine(game: str):
    from gamelang.compiler import compile_file
    from gamelang.registry import resolve_game

    result = compile_file(resolve_game(game))
    assert result.ok, result.render()
    return result.machine


def play_case(game: str, case: Case) -> dict[str, Any]:
    """Play the case's replies through the game; the episode's record."""
    from gamelang.instances import load_instances, make_instance
    from gamelang.runtime.episode import GameEnv

    m = machine(game)
    instances = load_instances(m)
    if case.experiment is None and case.instance is None:
        inst = instances[0]
    else:
        inst = next(i for i in instances if (case.experiment is None or i.experiment == case.experiment)
                    and (case.instance is None or i.id == case.instance))
    if case.data:
        inst = make_instance(m, {**inst.data, **case.data, "experiment": inst.experiment}, inst.id)
    env = GameEnv(m)
    turn = env.reset(inst, 0)
    replies = list(case.replies)
    while not turn.done:
        assert replies, f"{case.name}: the game asked {turn.role} for more replies than the case gives"
        turn = env.step(replies.pop(0))
    assert not replies, f"{case.name}: the episode ended with {len(replies)} replies unused ({env.reason})"
    return env.record()


def check_case(game: str, case: Case) -> None:
    """The record's clembench scores are those worked out by hand."""
    record = play_case(game, case)
    got = record["clembench"]
    assert got is not None, f"{case.name}: no clembench scores ({record['outcome']}: {record['reason']})"
    for key, want in case.expected.items():
        have = got.get(key)
        if isinstance(want, float):
            assert have == pytest.approx(want), f"{case.name}: {key} is {have}, clembench gives {want}"
        else:
            assert have == want, f"{case.name}: {key} is {have}, clembench gives {want} ({record['reason']})"
    if case.per_round is not None:
        assert round_counts(record) == case.per_round, f"{case.name}: counts per round"
    if case.outcome is not None:
        assert record["outcome"] == case.outcome, f"{case.name}: {record['outcome']} ({record['reason']})"
