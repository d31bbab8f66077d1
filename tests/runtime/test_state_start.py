"""EpisodeState.start makes, without the dataclass's __init__, the state EpisodeState(...) makes."""

import pickle
from dataclasses import fields

from gamelang.instances import Instance
from gamelang.runtime.state import EpisodeState


def _arguments() -> dict:
    return dict(game="g", game_hash="h", instance=Instance("e", "1", {"w": "x"}), episode=2, seed=3,
                players={"a": "p"}, current="s", started=12.5, counters={"requests": 0},
                histories={"a": []}, pending={"a": []}, asks={"a": 0})


def test_start_is_the_dataclass_state():
    made, built = EpisodeState.start(**_arguments()), EpisodeState(**_arguments())
    assert made == built
    assert list(vars(made)) == [f.name for f in fields(EpisodeState)] == list(vars(built))
    assert pickle.loads(pickle.dumps(made)) == built


def test_start_gives_each_state_its_own_containers():
    one, two = EpisodeState.start(**_arguments()), EpisodeState.start(**_arguments())
    for f in fields(EpisodeState):
        value = getattr(one, f.name)
        if isinstance(value, (dict, list)) and f.name not in _arguments():
            assert value is not getattr(two, f.name), f.name
