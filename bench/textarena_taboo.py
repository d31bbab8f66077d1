"""TextArena's cost per step on Taboo-v0, the anchor of bench/interpreter.py, measured here.

Run by a Python that has TextArena installed (``pip install textarena``; it is not a dependency
of gamelang and this script imports nothing of gamelang): it plays ``--episodes`` episodes of
Taboo-v0 with its default wrappers, four players, clue givers describing and guessers guessing
from a short list, and prints two medians over ``--rounds`` rounds of the microseconds one
``env.step(action)`` takes (the observation a player reads before acting is not counted): with a
new env for each episode, and with one env reset for every episode, whose steps grow slower as
it keeps what every episode said (this is how issue 14's 17 µs reads on this machine over 60
episodes). bench/interpreter.py runs it with ``--textarena PYTHON``.

    PYTHON bench/textarena_taboo.py [--episodes 60] [--rounds 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    import textarena as ta  # noqa: PLC0415 - only where this script is run

    fresh = statistics.median(step_cost(ta, args.episodes, reuse=False) for _ in range(args.rounds))
    reused = statistics.median(step_cost(ta, args.episodes, reuse=True) for _ in range(args.rounds))
    print(f"{fresh:.2f} {reused:.2f}")


def step_cost(ta, episodes: int, reuse: bool) -> float:
    """Microseconds per ``env.step`` over ``episodes`` episodes of Taboo-v0 (one env for all of
    them with ``reuse``, else a new one each)."""
    rng = random.Random(0)
    seconds, steps = 0.0, 0
    env = ta.make("Taboo-v0")
    for seed in range(episodes):
        if not reuse and seed:
            env = ta.make("Taboo-v0")
        env.reset(num_players=4, seed=seed)
        done = False
        while not done:
            player, _ = env.get_observation()
            action = "It is what you sit on." if player % 2 == 0 else f"[{rng.choice(['chair', 'table', 'apple'])}]"
            t0 = time.perf_counter()
            done, _ = env.step(action)
            seconds += time.perf_counter() - t0
            steps += 1
        env.close()  # the rewards, as TextArena's own loop ends an episode
    return 1e6 * seconds / steps


if __name__ == "__main__":
    main()
