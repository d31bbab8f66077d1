"""An interrupted run loses nothing and plays nothing twice.

A `gamelang run` in a separate process is killed with SIGKILL at random moments and resumed
until it completes; then every planned episode is in episodes.jsonl exactly once.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time

from gamelang.runtime.runfolder import read_run
from tests.conftest import ROOT, gamelang_cmd
from tests.helpers.chat_server import ChatServer

PLANNED = 60  # taboo's instances


def start_run(url: str, out) -> subprocess.Popen:
    cmd = gamelang_cmd() + ["run", "taboo", "--model", f"openai:m@{url}?retries=5", "--out", str(out),
                            "--concurrency", "3", "--resume"]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def test_killed_runs_resume_without_losing_or_repeating_episodes(tmp_path):
    rng = random.Random(1234)
    out = tmp_path / "run"
    kills = 0
    # slow enough replies that the whole run takes several seconds: at least two of the kills, at
    # 1 to 2.5 s after a start, must land while episodes are still being played
    with ChatServer(delay=0.08) as server:
        for _ in range(4):
            proc = start_run(server.url, out)
            time.sleep(rng.uniform(1.0, 2.5))
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                kills += 1
            proc.wait(timeout=30)
        final = start_run(server.url, out)
        _, stderr = final.communicate(timeout=300)
        assert final.returncode == 0, stderr.decode()
    assert kills >= 2, "the run finished too fast to be interrupted"
    data = read_run(out)
    keys = [(r["game"], r["experiment"], r["instance"], r["episode"]) for r in data.records]
    assert len(keys) == len(set(keys)) == PLANNED
    assert data.problems == []  # a truncated last line, if any, was cut when the run resumed
    assert data.meta["status"] == "complete"
    assert all(r["outcome"] in ("win", "lose", "abort") for r in data.records)


def test_a_truncated_last_record_is_reported_and_played_again(tmp_path):
    out = tmp_path / "run"
    with ChatServer() as server:
        proc = subprocess.run(gamelang_cmd() + ["run", "taboo", "--model", f"openai:m@{server.url}", "--out", str(out),
                                                "--limit", "4"], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        episodes = out / "episodes.jsonl"
        lines = episodes.read_text().splitlines()
        last = json.loads(lines[-1])
        episodes.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][: len(lines[-1]) // 2])  # a crash mid-write
        data = read_run(out)
        assert len(data.records) == 3 and "truncated" in data.problems[0]
        score = subprocess.run(gamelang_cmd() + ["score", str(out)], cwd=ROOT, capture_output=True, text=True)
        assert score.returncode == 0 and "truncated" in score.stderr
        proc = subprocess.run(gamelang_cmd() + ["run", "taboo", "--model", f"openai:m@{server.url}", "--out", str(out),
                                                "--limit", "4", "--resume"], cwd=ROOT, capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0, proc.stderr
    data = read_run(out)
    assert data.problems == []
    assert len(data.records) == 4
    assert {r["instance"] for r in data.records} >= {last["instance"]}
