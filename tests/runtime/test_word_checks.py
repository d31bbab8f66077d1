"""mentions_any, strip_punctuation and stem, with their caches and fast paths, answer as the
plain definitions do."""

import string
import unicodedata

import pytest
import snowballstemmer

from gamelang.lang.functions import ALL_FUNCTIONS

mentions_any = ALL_FUNCTIONS["mentions_any"].impl
STEMMER = snowballstemmer.stemmer("english")


def strip_punctuation(text):
    return "".join(ch for ch in text if ch not in string.punctuation and not unicodedata.category(ch).startswith("P"))


def _normalised_stems(text, ignore=frozenset()):
    return [STEMMER.stemWord(w) for w in strip_punctuation(text.lower()).split() if w not in ignore]


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


@pytest.mark.parametrize("text", TEXTS + ["a-b_c/d\\e", "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ x", "Mixed: ÉTÉ—été!"])
def test_punctuation_and_stems_as_defined(text):
    assert ALL_FUNCTIONS["strip_punctuation"].impl(text) == strip_punctuation(text)
    for word in text.split():
        assert ALL_FUNCTIONS["stem"].impl(word) == STEMMER.stemWord(word.strip().lower())
        assert ALL_FUNCTIONS["stem"].impl(word) == STEMMER.stemWord(word.strip().lower())  # from the cache
