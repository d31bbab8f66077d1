"""`x in LIST` on a long list searches a set of its items: the same answers as a list search."""

from __future__ import annotations

import pytest

from gamelang.lang.evaluate import _SET_FROM, _contains


@pytest.mark.parametrize("items", [
    [f"w{i}" for i in range(_SET_FROM * 3)],
    list(range(_SET_FROM * 2)),
    [[i] for i in range(_SET_FROM)],  # items that cannot be hashed: searched as a list
    [float("nan")] + list(range(_SET_FROM)),
    ["a", 1, 2.5, None, True, (1, 2)] * _SET_FROM,
    ["short", "list"],
])
@pytest.mark.parametrize("item", ["w5", "x", 1, 1.0, True, 0, None, [3], (1, 2), float("nan"), "list"])
def test_the_set_search_answers_as_the_list_search(items, item):
    assert _contains(item, items) == (item in items)
    assert _contains(item, items) == (item in items)  # the second time from the cached set


def test_a_new_list_gets_its_own_set():
    first = [f"a{i}" for i in range(_SET_FROM)]
    assert _contains("a1", first)
    second = [f"b{i}" for i in range(_SET_FROM)]
    assert not _contains("a1", second) and _contains("b1", second)
