"""The shipped games compile cleanly and keep their published rules."""

import pytest

from gamelang.compiler import compile_file
from gamelang.instances import load_instances
from gamelang.registry import list_games, resolve_game

SHIPPED = {"taboo": 60, "wordle": 30, "referencegame": 90}


@pytest.mark.parametrize("name, count", SHIPPED.items())
def test_game_compiles_without_any_diagnostic_and_loads_its_instances(name, count):
    result = compile_file(resolve_game(name))
    assert result.ok, result.render()
    assert result.diagnostics == []
    instances = load_instances(result.machine)
    assert len(instances) == count
    assert len({i.key for i in instances}) == count


def test_games_are_found_by_name():
    assert set(SHIPPED) <= set(list_games())


def test_taboo_experiments_follow_the_clembench_data():
    machine = compile_file(resolve_game("taboo")).machine
    experiments = {i.experiment for i in load_instances(machine)}
    assert experiments == {"high_en", "medium_en", "low_en"}


def test_wordle_targets_are_valid_words():
    machine = compile_file(resolve_game("wordle")).machine
    words = set(machine.consts["valid_words"])
    assert all(i.data["target_word"] in words for i in load_instances(machine))
