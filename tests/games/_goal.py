"""Helpers for the tests of the games in games/: compile once, play replies against one instance,
golden replays (tests/games/golden/goal_GAME_*.json: the game, instance, replies and the expected
result). The goal-directed games (booking, twenty_questions, guess_my_city, travel_agent, teaching)
name an instance by id alone; tests/games/_clemgames.py has the same for clembench's games, which
name it by experiment and id. The checks every game gets are in tests/games/test_every_game.py."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from gamelang.compiler import compile_file
from gamelang.instances import Instance, load_instances
from gamelang.registry import resolve_game
from gamelang.runtime.episode import GameEnv
from tests.helpers.episodes import play_replies

GOLDEN = Path(__file__).resolve().parent / "golden"


@cache
def machine(game: str):
    result = compile_file(resolve_game(game))
    assert result.ok and result.diagnostics == [], result.render()
    return result.machine


def instances(game: str):
    return load_instances(machine(game))


def instance(game: str, instance_id: str):
    return next(i for i in instances(game) if i.id == instance_id)


def play_instance(game: str, inst: Instance, replies: list[str], seed: int = 0) -> GameEnv:
    """Play the replies (to whichever role is asked) on one instance; every reply must be used."""
    return play_replies(machine(game), inst, replies, seed)


def play(game: str, replies: list[str], instance_id: str, seed: int = 0) -> GameEnv:
    return play_instance(game, instance(game, instance_id), replies, seed)


def play_with(game: str, instance_id: str, replies: dict[str, list[str]], seed: int = 0) -> GameEnv:
    """Play an instance: each role's replies come from its list, in order, or from its reference
    player when the list is used up (a role without a list always plays its reference player)."""
    m = machine(game)
    env = GameEnv(m)
    turn = env.reset(instance(game, instance_id), seed)
    queues = {role: list(r) for role, r in replies.items()}
    while not turn.done:
        role = env.waiting_for
        if queues.get(role):
            reply = queues[role].pop(0)
        else:
            reply = m.reference_player(role).reply.render(env.player_context(role))
        turn = env.step(reply)
    return env


def summary(env: GameEnv) -> dict:
    return json.loads(json.dumps({
        "outcome": env.outcome, "reason": env.reason, "scores": env.scores,
        "events": [e["type"] + (":" + e["role"] if "role" in e else "") for e in env.events]}))


def check_golden(path: Path) -> None:
    """The case's replies give exactly the recorded outcome, scores and events."""
    case = json.loads(path.read_text())
    env = play(case["game"], case["replies"], case["instance"], case.get("seed", 0))
    assert summary(env) == case["expected"]


def write_golden(name: str, game: str, instance_id: str, replies: list[str]) -> None:
    """Record a golden case (run by hand when a case is added; the test then keeps it):
    python -c 'from tests.games._goal import *; write_golden(...)'"""
    env = play(game, replies, instance_id)
    case = {"game": game, "instance": instance_id, "seed": 0, "replies": replies, "expected": summary(env)}
    GOLDEN.mkdir(exist_ok=True)
    (GOLDEN / f"goal_{game}_{name}.json").write_text(json.dumps(case, indent=2, ensure_ascii=False) + "\n")


def replies_of(env: GameEnv) -> list[str]:
    """The replies of an episode, in the order they were given (for recording a golden case)."""
    return [e["text"] for e in env.events if e["type"] == "reply"]
