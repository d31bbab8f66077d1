"""Drive a game through the environment API with your own Python policy.

A small Wordle solver plays the shipped wordle game: it keeps the words that agree with every
feedback line the game sent, and guesses the first one left. The same reset/step API is what
the scheduler and the trainers use.

    python examples/env_api.py
"""

from __future__ import annotations

import re

from gamelang.compiler import compile_file
from gamelang.instances import load_instances
from gamelang.lang.functions import ALL_FUNCTIONS
from gamelang.registry import resolve_game
from gamelang.runtime.episode import GameEnv

feedback_of = ALL_FUNCTIONS["letter_feedback"].impl  # the same function the game uses
FEEDBACK = re.compile(r"guess_feedback: (.+)")


def solver(candidates: list[str], messages: list[dict]) -> str:
    """Guess the first candidate consistent with every feedback seen so far."""
    guesses = [m["content"].split("guess:")[-1].strip() for m in messages if m["role"] == "assistant"]
    feedback = [FEEDBACK.search(m["content"]) for m in messages if m["role"] == "user"]
    colours = [re.findall(r"<(\w+)>", f.group(1)) for f in feedback if f]
    left = [w for w in candidates
            # a re-prompted guess got no feedback: zip pairs what it can
            if all(feedback_of(g, w) == c for g, c in zip(guesses, colours, strict=False)) and w not in guesses]
    return f"explanation: {len(left)} words fit the feedback\nguess: {left[0] if left else 'crane'}"


def main() -> None:
    machine = compile_file(resolve_game("wordle")).machine
    words = sorted(machine.consts["valid_words"])
    env = GameEnv(machine)
    for inst in load_instances(machine)[:10]:
        turn = env.reset(inst)
        while not turn.done:  # a single role; a two-player game would look at turn.role
            turn = env.step(solver(words, turn.messages))
        print(f"{inst.data['target_word']}: {turn.outcome} in {turn.scores['metrics']['guesses']} guesses, "
              f"main score {turn.scores['main']}")


if __name__ == "__main__":
    main()
