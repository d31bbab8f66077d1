"""Running a batch of fresh episodes to the end, as `gamelang run` does.

Up to ``concurrency`` episodes are live at a time; each round, the pending request of every live
episode goes to its player, grouped by player, so a local model answers all of its requests in
one batched call. A finished episode is handed to ``on_record`` at once (the run folder appends it
to disk), and a new episode takes its place. The engine underneath is public:
:mod:`gamelang.runtime.rollout` (forks, token streams, sampling overrides).
"""

from __future__ import annotations

from typing import Callable, Iterable

from .episode import GameEnv
from .rollout import Assignment, EpisodeJob, Rollout, RolloutEngine, episode_seed

__all__ = ["Assignment", "EpisodeJob", "episode_seed", "run_jobs"]


def run_jobs(jobs: Iterable[EpisodeJob], assignment: Assignment, concurrency: int,
             on_record: Callable[[dict], None], on_event: Callable[[GameEnv, dict], None] | None = None) -> int:
    """Play every job; return how many episodes were recorded."""
    engine = RolloutEngine(assignment, on_event=on_event)
    recorded = 0

    def done(rollout: Rollout) -> None:
        nonlocal recorded
        on_record(rollout.record)
        recorded += 1  # counted once on_record returned, as len() of the finished list counted them

    # keep=False: each episode is freed once its record is handed on, not all of them at the end
    engine.play(jobs, concurrency=concurrency, on_done=done, keep=False)
    return recorded
