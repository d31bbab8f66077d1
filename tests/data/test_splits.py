"""Instance splits: deterministic, disjoint, about the asked share, and stable when instances are added."""

from __future__ import annotations

import pytest

from gamelang.splits import Split, SplitError, describe_meta, side_of


def ids(n: int, start: int = 0) -> list[str]:
    return [str(i) for i in range(start, start + n)]


def test_every_instance_is_on_exactly_one_side():
    train, test = Split("train"), Split("test")
    for i in ids(500):
        assert train.contains("taboo", "high_en", i) != test.contains("taboo", "high_en", i)


def test_the_split_is_deterministic_and_near_the_share():
    sides = [side_of("taboo", "high_en", i, 0.2, 0) for i in ids(2000)]
    assert sides == [side_of("taboo", "high_en", i, 0.2, 0) for i in ids(2000)]
    assert 0.17 < sides.count("test") / len(sides) < 0.23
    assert all(side_of("g", "e", i, 0.0) == "train" for i in ids(200))
    assert all(side_of("g", "e", i, 1.0) == "test" for i in ids(200))


def test_adding_instances_moves_none_of_the_others():
    before = {i: side_of("wordle", "easy", i) for i in ids(300)}
    after = {i: side_of("wordle", "easy", i) for i in ids(600)}
    assert all(after[i] == side for i, side in before.items())


def test_game_experiment_and_seed_draw_different_splits():
    base = [side_of("taboo", "high_en", i) for i in ids(300)]
    assert base != [side_of("wordle", "high_en", i) for i in ids(300)]
    assert base != [side_of("taboo", "low_en", i) for i in ids(300)]
    assert base != [side_of("taboo", "high_en", i, seed=1) for i in ids(300)]


def test_a_larger_test_share_only_adds_test_instances():
    small = {i for i in ids(500) if side_of("g", "e", i, 0.1) == "test"}
    large = {i for i in ids(500) if side_of("g", "e", i, 0.3) == "test"}
    assert small < large


def test_bad_splits_and_the_run_json_form():
    with pytest.raises(SplitError, match="unknown split"):
        Split("dev")
    with pytest.raises(SplitError, match="between 0 and 1"):
        Split("test", 1.5)
    split = Split("train", 0.25, 3)
    assert split.as_meta() == {"name": "train", "test_share": 0.25, "seed": 3}
    assert Split.from_meta(split.as_meta()) == split and Split.from_meta(None) is None
    assert describe_meta(None) == "none (every instance)"
    assert describe_meta(split.as_meta()) == "train (test share 0.25, split seed 3)"


def test_a_run_selects_the_instances_of_its_side(tmp_path):
    from gamelang.compiler import compile_file
    from gamelang.runtime.run import RunSettings, select_instances
    from tests.conftest import GAMES

    machine = compile_file(GAMES / "taboo" / "taboo.game").machine
    every = {i.key for i in select_instances(machine, RunSettings(out=tmp_path))}
    train = {i.key for i in select_instances(machine, RunSettings(out=tmp_path, split=Split("train")))}
    test = {i.key for i in select_instances(machine, RunSettings(out=tmp_path, split=Split("test")))}
    assert train | test == every and not train & test and test
    limited = select_instances(machine, RunSettings(out=tmp_path, split=Split("test"), limit=2))
    assert len(limited) == 2 and {i.key for i in limited} <= test  # the limit applies within the split
