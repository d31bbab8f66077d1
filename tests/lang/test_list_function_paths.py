"""The list functions' quick paths (every item hashable; a list of texts only) give what their
definitions give: unique, intersect and difference against first-seen order with ``in``, and
text_weight against its walk, on lists of every kind of item (issue 14)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gamelang.lang.functions import _difference, _intersect, _unique, text_weight

scalars = st.one_of(st.integers(-3, 3), st.sampled_from([0.0, 1.0, 2.5, float("nan"), True, False]),
                    st.text(max_size=2))
items = st.one_of(scalars, st.lists(scalars, max_size=2), st.dictionaries(st.text(max_size=1), scalars, max_size=1))


def unique_by_definition(xs: list) -> list:
    out: list = []
    for x in xs:
        if x not in out:  # identity, then ==, as a set's lookup is for what it can hold
            out.append(x)
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(items, max_size=8), st.lists(items, max_size=8))
def test_unique_intersect_and_difference_as_defined(a, b):
    assert _unique(a) == unique_by_definition(a)
    assert _intersect(a, b) == unique_by_definition([x for x in a if x in b])
    assert _difference(a, b) == unique_by_definition([x for x in a if x not in b])
    hashable = [x for x in a if not isinstance(x, (list, dict))]
    kept = _unique(hashable)  # the quick path: the first of equal items, itself
    assert all(k is next(x for x in hashable if x == k or x is k) for k in kept)


def weight_by_walk(value, budget: int) -> int:
    """text_weight's walk, for a list: its brackets and separators, then each text's length."""
    total = 2 + 2 * len(value)
    for v in value[: budget + 1]:
        if total > budget:
            break
        total += len(v)
    return total


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=30), max_size=12), st.integers(0, 200), st.booleans())
def test_the_weight_of_a_list_of_texts_is_its_walk(texts, budget, as_tuple):
    value = tuple(texts) if as_tuple else texts
    quick, walked = text_weight(value, budget), weight_by_walk(texts, budget)
    assert (quick > budget) == (walked > budget)
    if walked <= budget:
        assert quick == walked
