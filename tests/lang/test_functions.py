"""Built-in functions: the semantics the shipped games rely on."""

import pytest

from gamelang.lang.functions import ALL_FUNCTIONS, EvalError, describe_signatures

fn = {name: f.impl for name, f in ALL_FUNCTIONS.items()}


@pytest.mark.parametrize("guess, target, expected", [
    ("crane", "react", ["yellow", "yellow", "green", "red", "yellow"]),
    ("spree", "strap", ["green", "yellow", "green", "red", "red"]),
    ("eerie", "there", ["yellow", "red", "yellow", "red", "green"]),  # repeated letters counted once each
    ("apple", "apple", ["green"] * 5),
])
def test_letter_feedback(guess, target, expected):
    assert fn["letter_feedback"](guess, target) == expected


def test_mentions_any_compares_stems_and_skips_stop_words():
    assert fn["mentions_any"]("It is very cold outside", ["colds"])
    assert fn["mentions_any"]("Think of snowflakes", ["snowflake"])
    assert not fn["mentions_any"]("A season after autumn", ["winter", "cold"])
    assert fn["mentions_any"]("not this one", ["not"])
    assert not fn["mentions_any"]("not this one", ["not"], ["not", "this"])
    assert fn["mentions_any"]("a strong-minded person", ["strong-minded"])


def test_stem_matches_snowball_english():
    assert fn["stem"]("Running") == "run"
    assert fn["stem"]("independent") == "independ"


def test_edit_distance_and_bounds():
    assert fn["edit_distance"]("kitten", "sitting") == 3
    with pytest.raises(EvalError):
        fn["edit_distance"]("a" * 2000, "b")


@pytest.mark.parametrize("call", [
    lambda: fn["join"](["x" * 1000] * 300, ""),
    lambda: fn["replace"]("a" * 1000, "a", "b" * 1000),
    lambda: fn["range"](10**9),
    lambda: fn["int"]("twelve"),
    lambda: fn["min"]([]),
    lambda: fn["split"]("abc", ""),
])
def test_functions_fail_cleanly_instead_of_growing_without_bound(call):
    with pytest.raises(EvalError):
        call()


def test_every_function_has_a_description_and_signature():
    for f in ALL_FUNCTIONS.values():
        assert f.doc and f.signatures and describe_signatures(f)
