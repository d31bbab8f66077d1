"""letter_feedback counts the target's unmatched letters instead of crossing them out of a list:
the same colours as the list-based version it replaced, on every pair of short words over a few
letters (repeated letters included) and on random longer ones."""

import itertools
import random

import pytest

from gamelang.lang.functions import ALL_FUNCTIONS, EvalError

letter_feedback = ALL_FUNCTIONS["letter_feedback"].impl


def crossing_out(guess: str, target: str) -> list[str]:
    """The former implementation: mark greens, then cross out the first unused target letter."""
    guess, target = guess.lower(), target.lower()
    result = ["red"] * len(guess)
    unused: list[str | None] = list(target)
    for i, (g, t) in enumerate(zip(guess, target, strict=True)):
        if g == t:
            result[i] = "green"
            unused[i] = None
    for i, g in enumerate(guess):
        if result[i] != "green" and g in unused:
            result[i] = "yellow"
            unused[unused.index(g)] = None
    return result


def test_every_pair_of_short_words():
    for n in range(0, 5):
        words = ["".join(w) for w in itertools.product("aAbc", repeat=n)]
        for guess in words:
            for target in words:
                assert letter_feedback(guess, target) == crossing_out(guess, target), (guess, target)


def test_random_words():
    rng = random.Random(14)
    for _ in range(3000):
        n = rng.randint(1, 9)
        guess = "".join(rng.choice("eeasstİ") for _ in range(n))
        target = "".join(rng.choice("eeasstİ") for _ in range(n))
        try:
            expected = crossing_out(guess, target)
        except ValueError:  # lower() changed a length: both refuse
            with pytest.raises(EvalError):
                letter_feedback(guess, target)
            continue
        assert letter_feedback(guess, target) == expected, (guess, target)
