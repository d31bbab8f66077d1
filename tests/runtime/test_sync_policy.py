"""When the run writer fsyncs (group commit), and that a killed process loses no record under any policy."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from gamelang.runtime import runfolder
from gamelang.runtime.runfolder import RunWriter, SyncPolicy, read_run

from ..conftest import ROOT, gamelang_cmd


def _record(i: int) -> dict:
    return {"schema": 1, "game": "g", "experiment": "e", "instance": str(i), "episode": 0, "branch": "",
            "outcome": "win", "scores": None, "events": [], "messages": {}, "players": {}}


@pytest.mark.parametrize("text, every, interval", [
    ("episode", 1, 0.0), ("end", 0, 0.0), ("group", 64, 0.5), ("group:8", 8, 0.5), ("group:8:100", 8, 0.1),
])
def test_policies_parse_and_describe_themselves(text, every, interval):
    policy = SyncPolicy.parse(text)
    assert (policy.every, policy.interval_s) == (every, interval)
    assert SyncPolicy.parse(policy.describe()) == policy


@pytest.mark.parametrize("text", ["", "always", "group:0", "group:x", "group:4:-1", "episode:3"])
def test_bad_policies_are_refused(text):
    with pytest.raises(ValueError, match="--fsync"):
        SyncPolicy.parse(text)


@pytest.fixture
def fsyncs(monkeypatch):
    calls = []
    real = runfolder.os.fsync
    monkeypatch.setattr(runfolder.os, "fsync", lambda fd: (calls.append(fd), real(fd))[1])
    return calls


@pytest.mark.parametrize("policy, during, total", [
    (SyncPolicy.parse("episode"), 10, 10),
    (SyncPolicy(every=4, interval_s=3600), 2, 3),  # after records 4 and 8, then the last 2 at close
    (SyncPolicy(every=1000, interval_s=0.0), 10, 10),  # the interval has always passed
    (SyncPolicy.parse("end"), 0, 1),
])
def test_records_are_synced_as_the_policy_says(tmp_path, fsyncs, policy, during, total):
    writer = RunWriter(tmp_path, {}, sync=policy)
    for i in range(10):
        writer.append(_record(i))
    assert len(fsyncs) == during
    writer.close("complete")
    assert len(fsyncs) == total
    assert len(read_run(tmp_path).records) == 10


@pytest.mark.parametrize("policy", ["episode", "group:1000:3600000", "end"])
def test_a_killed_writer_loses_no_record_under_any_policy(tmp_path, policy):
    """The records are in the operating system as soon as append returns: SIGKILL cannot take them."""
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        from gamelang.runtime.runfolder import RunWriter, SyncPolicy
        writer = RunWriter(__import__("pathlib").Path({str(tmp_path)!r}), {{}}, sync=SyncPolicy.parse({policy!r}))
        for i in range(25):
            writer.append({{"schema": 1, "game": "g", "experiment": "e", "instance": str(i), "episode": 0,
                           "outcome": "win", "scores": None, "events": [], "messages": {{}}, "players": {{}}}})
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert proc.returncode == -9, proc.stderr
    data = read_run(tmp_path)
    assert [r["instance"] for r in data.records] == [str(i) for i in range(25)]
    assert data.problems == [] and data.meta["status"] == "running"


def test_the_cli_takes_fsync_and_refuses_a_bad_one(tmp_path):
    out = tmp_path / "run"
    ok = subprocess.run(gamelang_cmd() + ["run", "taboo", "--limit", "2", "--out", str(out), "--fsync", "episode"],
                        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert len(read_run(out).records) == 2  # the first 2 instances of the game
    bad = subprocess.run(gamelang_cmd() + ["run", "taboo", "--limit", "1", "--out", str(tmp_path / "b"),
                                           "--fsync", "sometimes"], capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    assert bad.returncode == 2 and "--fsync takes" in bad.stderr
