"""GameEnv.feed is step without the Turn: the same episode, the rewards counted as handed out."""

from gamelang.compiler import compile_file
from gamelang.instances import load_instances
from gamelang.runtime.episode import GameEnv
from gamelang.runtime.scheduler import Assignment, EpisodeJob, run_jobs

from ..conftest import GAMES


def _replies(machine, instances):
    records: list[dict] = []
    run_jobs([EpisodeJob(machine, inst, 0, 0) for inst in instances], Assignment(), 4, records.append)
    return {(r["experiment"], r["instance"]): [e["text"] for e in r["events"] if e["type"] == "reply"]
            for r in records}


def test_feed_plays_the_episode_step_plays():
    for game in ("taboo", "errands"):
        paths = sorted(GAMES.glob(f"{game}/*.game")) or sorted((GAMES.parent / "examples").rglob(f"{game}.game"))
        machine = compile_file(paths[0]).machine
        instances = load_instances(machine)[:6]
        replies = _replies(machine, instances)
        for inst in instances:
            stepped, fed = GameEnv(machine), GameEnv(machine)
            stepped.reset(inst)
            fed.reset(inst)
            for text in replies[(inst.experiment, inst.id)]:
                turn = stepped.step(text)
                assert fed.feed(text) is None
                assert fed.state.reward_since_step == 0.0 == stepped.state.reward_since_step
                assert fed.state.waiting_for == turn.role and fed.done == turn.done
            a, b = stepped.record(), fed.record()
            for key in ("started", "duration_s"):
                a.pop(key), b.pop(key)
            assert a == b
