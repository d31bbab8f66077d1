"""Playing one episode from a list of replies: the loop the game tests share."""

from __future__ import annotations

from gamelang.runtime.episode import GameEnv


def play_replies(machine, instance, replies: list[str], seed: int = 0) -> GameEnv:
    """Play ``replies`` in order (to whichever role is asked) on ``instance``; every reply must be used."""
    env = GameEnv(machine)
    turn = env.reset(instance, seed)
    replies = list(replies)
    while not turn.done:
        assert replies, f"the game asked {turn.role} for more replies than given"
        turn = env.step(replies.pop(0))
    assert not replies, f"{len(replies)} replies were not used"
    return env
