"""mentions_any with its cached word stems answers as the plain definition does."""

import pytest

from gamelang.lang.functions import ALL_FUNCTIONS, _normalised_stems

mentions_any = ALL_FUNCTIONS["mentions_any"].impl


def reference(text, words, ignore=()):
    """The definition, computed from scratch every time."""
    skip = frozenset(w.lower() for w in ignore)
    stems = set(_normalised_stems(text, skip))
    for w in words:
        target = _normalised_stems(w)
        if len(target) == 1 and target[0] in stems:
            return True
        if len(target) > 1 and " ".join(target) in " ".join(_normalised_stems(text)):
            return True
    return False


TEXTS = ["It is very cold outside", "I like Ice-Creams, really!", "the ice creams melt", "Think of snowflakes",
         "not this one", "Ça glisse: «neige» fraîche", "", "a strong-minded person"]
WORDS = [["colds"], ["ice cream"], ["Ice", "creams"], ["snowflake", "flakes of snow"], ["not"], ["neige"],
         ["", "  "], ["strong-minded"], ["the ice"]]
IGNORE = [[], ["not", "this"], ["ice"], ["the", "of"]]


@pytest.mark.parametrize("text", TEXTS)
def test_same_answer_as_the_definition(text):
    for words in WORDS:
        for ignore in IGNORE:
            assert mentions_any(text, words, ignore) == reference(text, words, ignore), (text, words, ignore)
            # asked again (the stems now come from the cache), the answer stays
            assert mentions_any(text, words, ignore) == reference(text, words, ignore)
