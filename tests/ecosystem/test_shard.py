"""`gamelang run --shard I/N` and `gamelang merge`: disjoint shares, their union is the plan, resume per shard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gamelang.cli import app
from gamelang.compiler import compile_file
from gamelang.registry import resolve_game
from gamelang.runtime.run import RunSettings, plan
from gamelang.shard import Shard, ShardError, merge_runs, shard_of

GAMES = ["taboo", "wordle", "--limit", "8"]


def cli(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def machines():
    return [compile_file(resolve_game(g)).machine for g in ("taboo", "wordle")]


def keys(folder: Path) -> list[tuple]:
    lines = (folder / "episodes.jsonl").read_text().splitlines()
    return [(r["game"], r["experiment"], r["instance"], r["episode"]) for r in map(json.loads, lines)]


def test_parse_shard():
    assert Shard.parse("2/5") == Shard(2, 5)
    for bad in ("0/2", "3/2", "1", "a/b", "1/0"):
        with pytest.raises(ShardError):
            Shard.parse(bad)


def test_shards_are_disjoint_and_their_union_is_the_plan(tmp_path):
    ms = machines()
    full = [j.key for j in plan(ms, RunSettings(out=tmp_path, episodes=2, limit=8))]
    for n in (1, 2, 3, 7):
        parts = [[j.key for j in plan(ms, RunSettings(out=tmp_path, episodes=2, limit=8, shard=Shard(i, n)))]
                 for i in range(1, n + 1)]
        union = [k for p in parts for k in p]
        assert len(union) == len(set(union)) == len(full)  # disjoint
        assert set(union) == set(full)
    # by the key, not the position: a shard's share does not move when the plan grows
    small = {j.key for j in plan(ms[:1], RunSettings(out=tmp_path, episodes=2, limit=8, shard=Shard(1, 3)))}
    big = {j.key for j in plan(ms, RunSettings(out=tmp_path, episodes=2, limit=8, shard=Shard(1, 3)))}
    assert small <= big
    assert all(shard_of(k, 3) == 1 for k in big)


def test_two_shards_merged_equal_one_unsharded_run(tmp_path):
    for i in (1, 2):
        res = cli("run", *GAMES, "--shard", f"{i}/2", "--out", str(tmp_path / f"s{i}"))
        assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "s1" / "run.json").read_text())["shard"] == {"index": 1, "count": 2}
    assert cli("run", *GAMES, "--out", str(tmp_path / "full")).exit_code == 0
    s1, s2 = set(keys(tmp_path / "s1")), set(keys(tmp_path / "s2"))
    assert s1 and s2 and not s1 & s2
    res = cli("merge", str(tmp_path / "s1"), str(tmp_path / "s2"), "--out", str(tmp_path / "m"))
    assert res.exit_code == 0, res.output
    assert sorted(keys(tmp_path / "m")) == sorted(keys(tmp_path / "full"))

    def strip(r):  # what differs between two plays of the same episode: times
        return {k: v for k, v in r.items() if k not in ("started", "duration_s")}

    full = {tuple(k): strip(r) for k, r in zip(keys(tmp_path / "full"),
                                                map(json.loads, (tmp_path / "full/episodes.jsonl").read_text().splitlines()))}
    merged = {tuple(k): strip(r) for k, r in zip(keys(tmp_path / "m"),
                                                  map(json.loads, (tmp_path / "m/episodes.jsonl").read_text().splitlines()))}
    for k in full:
        assert {x: y for x, y in full[k].items() if x != "events"} == \
               {x: y for x, y in merged[k].items() if x != "events"}
    meta = json.loads((tmp_path / "m" / "run.json").read_text())
    assert meta["status"] == "complete" and meta["shards"] == 2
    assert sum(g["planned"] for g in meta["games"].values()) == len(full)
    # the merged folder is a run like any other
    assert cli("score", str(tmp_path / "m"), "--format", "json").exit_code == 0


def test_merge_refuses_and_reports(tmp_path):
    assert cli("run", "taboo", "--limit", "4", "--shard", "1/2", "--out", str(tmp_path / "a")).exit_code == 0
    assert cli("run", "taboo", "--limit", "4", "--shard", "2/2", "--seed", "5", "--out", str(tmp_path / "b")).exit_code == 0
    assert cli("run", "taboo", "--limit", "4", "--shard", "2/3", "--out", str(tmp_path / "c")).exit_code == 0
    assert cli("run", "taboo", "--limit", "4", "--out", str(tmp_path / "plain")).exit_code == 0
    res = cli("merge", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "m1"))
    assert res.exit_code == 2 and "seed" in res.output
    res = cli("merge", str(tmp_path / "a"), str(tmp_path / "c"), "--out", str(tmp_path / "m2"))
    assert res.exit_code == 2 and "different plans" in res.output
    res = cli("merge", str(tmp_path / "a"), str(tmp_path / "a"), "--out", str(tmp_path / "m3"))
    assert res.exit_code == 2 and "both shard 1/2" in res.output
    res = cli("merge", str(tmp_path / "plain"), "--out", str(tmp_path / "m4"))
    assert res.exit_code == 2 and "not a shard" in res.output
    res = cli("merge", str(tmp_path / "a"), "--out", str(tmp_path / "m5"))
    assert res.exit_code == 2 and "2/2 are missing" in res.output
    res = cli("merge", str(tmp_path / "a"), "--partial", "--out", str(tmp_path / "m6"))
    assert res.exit_code == 1 and "missing shards: 2" in res.output
    # a shard folder holding an episode of the other shard (copied by hand): reported, kept once
    other = tmp_path / "d"
    assert cli("run", "taboo", "--limit", "4", "--shard", "2/2", "--out", str(other)).exit_code == 0
    first = (tmp_path / "a" / "episodes.jsonl").read_text().splitlines()[0]
    with open(other / "episodes.jsonl", "a") as fh:
        fh.write(first + "\n")
    result = merge_runs([tmp_path / "a", other], tmp_path / "m7")
    assert len(result.doubled) == 1 and result.missing == 0


def test_resume_works_per_shard(tmp_path):
    out = tmp_path / "s2"
    assert cli("run", *GAMES, "--shard", "2/3", "--out", str(out)).exit_code == 0
    done = keys(out)
    lines = (out / "episodes.jsonl").read_text().splitlines(keepends=True)
    (out / "episodes.jsonl").write_text("".join(lines[:3]) + lines[3][:20])  # killed mid-record
    res = cli("run", "--out", str(out), "--resume")  # the shard is taken from run.json
    assert res.exit_code == 0, res.output
    assert "3 of" in res.output
    assert sorted(keys(out)) == sorted(done)
    res = cli("run", "--out", str(out), "--resume", "--shard", "1/3")
    assert res.exit_code == 2 and "--shard: 2/3 when the run started, 1/3 now" in res.output


def test_the_resume_command_after_ctrl_c_keeps_the_shard(tmp_path):
    from gamelang.cli import resume_command

    settings = RunSettings(out=tmp_path / "s", shard=Shard(2, 3))
    assert "--shard 2/3" in resume_command(["taboo"], settings, None, [], [])
    assert "--shard" not in resume_command(["taboo"], RunSettings(out=tmp_path / "s"), None, [], [])
