"""The shipped games compile cleanly and keep their published rules."""

import pytest

from gamelang.compiler import compile_file
from gamelang.instances import load_instances
from gamelang.registry import list_games, resolve_game

SHIPPED = {"taboo": 60, "wordle": 30, "referencegame": 90, "shapes": 4000,
           "imagegame": 59, "guesswhat": 60, "codenames": 130, "privateshared": 50, "wordle_withclue": 30,
           "wordle_withcritic": 30, "booking": 40, "twenty_questions": 40, "guess_my_city": 40,
           "travel_agent": 40, "teaching": 40}


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


def test_shapes_rules():
    from tests.conftest import play

    machine = compile_file(resolve_game("shapes")).machine
    row = {"experiment": "middle", "id": "t", "colours": ["red", "blue", "red"], "shapes": ["star", "star", "ring"],
           "target": 1}
    assert play(machine, ["CLUE: the middle one", "ANSWER: blue star"], row).outcome == "win"
    assert play(machine, ["CLUE: the middle one", "answer:  Blue Star "], row).outcome == "win"
    assert play(machine, ["CLUE: the middle one", "ANSWER: red star"], row).outcome == "lose"
    assert play(machine, ["CLUE: the middle one", "It is the blue star"], row).outcome == "abort"
    assert play(machine, ["CLUE: the middle one", "ANSWER: blue star, I think"], row).outcome == "abort"
    assert play(machine, ["The middle one"], row).outcome == "abort"
    # a clue that names the target's colour or shape loses before the listener is asked
    assert play(machine, ["CLUE: the blue one"], row).outcome == "lose"
    assert play(machine, ["CLUE: between the two stars"], row).outcome == "lose"
