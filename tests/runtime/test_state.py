"""Episode state as a value: fork, snapshot, restore and pickling, on every shipped game."""

from __future__ import annotations

import pickle
from functools import lru_cache

import pytest

from gamelang.compiler import compile_file
from gamelang.instances import load_instances
from gamelang.registry import resolve_game
from gamelang.runtime.episode import GameEnv
from gamelang.runtime.rollout import Assignment, EpisodeJob, RolloutEngine

GAMES = ["taboo", "wordle", "referencegame"]
VOLATILE = ("started", "duration_s", "branch", "parent", "forked_at")


@lru_cache(maxsize=None)
def machine(game: str):
    return compile_file(resolve_game(game)).machine


def reference_episode(game: str, index: int = 0) -> tuple[GameEnv, list[str]]:
    """A finished episode of the game's reference players, and the replies they gave."""
    m = machine(game)
    inst = load_instances(m)[index]
    [rollout] = RolloutEngine(Assignment()).play([EpisodeJob(m, inst, 0, 7)])
    replies = [e["text"] for e in rollout.env.events if e["type"] == "reply"]
    return rollout.env, replies


def fresh(original: GameEnv) -> GameEnv:
    """A new episode of the same game, instance, seed and players as ``original``."""
    env = GameEnv(original.machine)
    env.reset(original.instance, original.seed, 0, dict(original.state.players))
    return env


def comparable(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in VOLATILE}


def replay(env: GameEnv, replies: list[str]) -> GameEnv:
    for reply in replies:
        if env.done:
            break
        env.step(reply)
    return env


@pytest.mark.parametrize("game", GAMES)
def test_a_fork_continued_with_the_same_replies_gives_the_original_record(game):
    original, replies = reference_episode(game)
    assert len(replies) >= 2
    env = fresh(original)
    env.step(replies[0])
    child = env.fork()
    replay(env, replies[1:])
    replay(child, replies[1:])
    assert comparable(child.record()) == comparable(env.record()) == comparable(original.record())
    record = child.record()
    assert (record["branch"], record["parent"]) == ("1", "")
    assert record["forked_at"] == sum(1 for e in original.events[:record["forked_at"]])
    assert child.events[:record["forked_at"]] == env.events[:record["forked_at"]]


@pytest.mark.parametrize("game", GAMES)
def test_forks_are_independent(game):
    original, replies = reference_episode(game)
    env = fresh(original)
    env.step(replies[0])
    before = comparable({**env.state.__dict__, "instance": None, "events": list(env.events)})
    child = env.fork()
    child.step("this reply breaks every format")  # the child goes its own way ...
    assert child.done or child.state.histories != env.state.histories
    after = comparable({**env.state.__dict__, "instance": None, "events": list(env.events)})
    before.pop("children"), after.pop("children")
    assert after == before  # ... and the parent did not move
    replay(env, replies[1:])
    assert comparable(env.record()) == comparable(original.record())


def test_branch_ids_name_the_lineage():
    env, replies = reference_episode("taboo")
    env = GameEnv(machine("taboo"))
    env.reset(load_instances(machine("taboo"))[0], 1)
    a, b = env.fork(), env.fork()
    aa = a.fork()
    assert (a.branch, b.branch, aa.branch) == ("1", "2", "1.1")
    assert aa.state.parent == "1" and a.state.parent == ""
    assert len({a.key, b.key, aa.key, env.key}) == 4


@pytest.mark.parametrize("game", GAMES)
def test_the_state_pickles_and_a_restored_episode_goes_on(game):
    original, replies = reference_episode(game)
    m = machine(game)
    env = fresh(original)
    env.step(replies[0])
    blob = pickle.dumps(env.snapshot())
    restored = GameEnv.from_state(m, pickle.loads(blob))
    replay(restored, replies[1:])
    assert comparable(restored.record()) == comparable(original.record())


def test_restore_goes_back_to_a_snapshot():
    original, replies = reference_episode("wordle")
    env = fresh(original)
    saved = env.snapshot()
    env.step("not a guess at all")
    env.restore(saved)
    replay(env, replies)
    assert comparable(env.record()) == comparable(original.record())


def test_a_state_of_another_game_is_refused():
    env, _ = reference_episode("taboo")
    with pytest.raises(ValueError, match="belongs to game 'taboo'"):
        GameEnv(machine("wordle")).restore(env.snapshot())


def test_constants_and_instance_data_are_shared_not_copied():
    m = machine("wordle")
    env = GameEnv(m)
    env.reset(load_instances(m)[0], 0)
    child = env.fork()
    shared = [name for name, value in m.consts.items() if isinstance(value, (list, dict)) and value]
    assert shared, "wordle has a word list constant"
    for name in shared:
        assert child.env[name] is env.env[name] is m.consts[name]
    assert not set(shared) & set(child.state.bindings), "constants are not part of the mutable layer"


def test_players_get_a_read_only_view_not_the_env():
    m = machine("taboo")
    engine = RolloutEngine(Assignment())
    env = engine.start(EpisodeJob(m, load_instances(m)[0], 0, 0))
    request = engine.request(env)
    assert not hasattr(request, "env")
    context = request.view.context()
    with pytest.raises(TypeError):
        context["target_word"] = "changed"  # type: ignore[index]
    assert request.key == env.key and request.role == env.waiting_for


def test_branches_are_kept_apart_in_a_run_folder(tmp_path):
    from gamelang.runtime.runfolder import RunWriter, read_run

    original, replies = reference_episode("taboo")
    env = fresh(original)
    env.step(replies[0])
    child = env.fork()
    replay(env, replies[1:])
    child.step("GUESS: something else entirely")
    replay(child, ["CLUE: try again", "GUESS: nothing"] * 3)
    writer = RunWriter(tmp_path, {"games": {}})
    writer.append(env.record())
    writer.append(child.record())
    writer.close("complete")
    latest = read_run(tmp_path).latest()
    assert set(latest) == {env.key, child.key}
    assert env.key[:4] == child.key[:4] and (env.key[4], child.key[4]) == ("", "1")
    assert latest[child.key]["parent"] == ""


def test_records_from_before_branches_are_the_root_branch():
    from gamelang.runtime.runfolder import episode_key

    old = {"game": "taboo", "experiment": "high_en", "instance": "0", "episode": 0}
    assert episode_key(old) == ("taboo", "high_en", "0", 0, "")


def test_a_request_seed_is_the_hash_of_its_parts_worked_out_when_read(monkeypatch):
    from gamelang.players import base
    from gamelang.turns import request_seed

    m = machine("taboo")
    engine = RolloutEngine(Assignment())
    env = engine.start(EpisodeJob(m, load_instances(m)[0], 0, 7))
    role = env.waiting_for
    calls = []
    monkeypatch.setattr(base, "request_seed", lambda *parts: calls.append(parts) or request_seed(*parts))
    request = engine.request(env)
    assert calls == []  # not hashed until read: scripted players never read it
    expected = request_seed(env.state.seed, env.state.branch, role, env.state.asks[role])
    assert request.seed == expected and request.seed == expected
    assert len(calls) == 1  # hashed once
    assert base.Request(request.key, role, [], 10, 12345).seed == 12345
    assert base.Request(request.key, role, [], 10).seed == 0
    assert base.Request(request.key, role, [], 10, (7, "", role, 1)).seed == request_seed(7, "", role, 1)
