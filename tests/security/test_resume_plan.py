"""Defect 4 of issue 15: `--resume` plays the plan the run started with, or refuses another one.

A resume without the plan's options takes them (and the games and players) from run.json; one
with a different plan is refused with a message saying what differs; the Ctrl-C hint prints a
command that continues the same run.
"""

from __future__ import annotations

import json
import shlex
import signal
import subprocess
import time

import pytest

from gamelang.runtime.runfolder import read_run
from tests.conftest import ROOT, gamelang_cmd
from tests.helpers.chat_server import ChatServer


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(gamelang_cmd() + list(args), capture_output=True, text=True, cwd=ROOT, timeout=300)


def cut(out, keep: int) -> None:
    """As if the run was killed after ``keep`` episodes."""
    lines = (out / "episodes.jsonl").read_text().splitlines(keepends=True)
    (out / "episodes.jsonl").write_text("".join(lines[:keep]))


def keys(out) -> list[tuple]:
    return sorted((r["experiment"], r["instance"], r["episode"]) for r in read_run(out).records)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A complete run with a plan that differs from every default: 3 episodes, limit 4, seed 7."""
    out = tmp_path_factory.mktemp("plan") / "run"
    proc = run("run", "taboo", "--episodes", "3", "--limit", "4", "--seed", "7", "--experiment", "high_en",
               "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out, keys(out)


def test_resume_without_options_plays_the_recorded_plan(finished, tmp_path):
    source, expected = finished
    out = tmp_path / "run"
    out.mkdir()
    for name in ("run.json", "episodes.jsonl"):
        (out / name).write_bytes((source / name).read_bytes())
    cut(out, 5)
    proc = run("run", "--out", str(out), "--resume")  # no games, no plan: all from run.json
    assert proc.returncode == 0, proc.stderr
    assert keys(out) == expected and len(expected) == 12
    meta = json.loads((out / "run.json").read_text())
    assert meta["status"] == "complete" and meta["episodes_per_instance"] == 3 and meta["seed"] == 7
    # the same with the game named, as the old hint printed it
    cut(out, 2)
    proc = run("run", "taboo", "--out", str(out), "--resume")
    assert proc.returncode == 0, proc.stderr
    assert keys(out) == expected


@pytest.mark.parametrize("args, says", [
    (["taboo", "--episodes", "1"], "--episodes: 3 when the run started, 1 now"),
    (["taboo", "--limit", "2"], "--limit: 4 when the run started, 2 now"),
    (["taboo", "--seed", "0"], "--seed: 7 when the run started, 0 now"),
    (["taboo", "--experiment", "low_en"], "--experiment"),
    (["wordle"], "games: taboo when the run started, wordle now"),
    (["taboo", "--split", "train"], "split"),
])
def test_resume_with_another_plan_is_refused_and_says_what_differs(finished, tmp_path, args, says):
    source, expected = finished
    out = tmp_path / "run"
    out.mkdir()
    for name in ("run.json", "episodes.jsonl"):
        (out / name).write_bytes((source / name).read_bytes())
    cut(out, 5)
    before = (out / "episodes.jsonl").read_bytes()
    proc = run("run", *args, "--out", str(out), "--resume")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert says in proc.stderr and "Traceback" not in proc.stderr
    assert (out / "episodes.jsonl").read_bytes() == before  # nothing played, nothing lost


def test_resume_of_a_folder_with_a_malformed_plan_is_refused(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "run.json").write_text(json.dumps({"games": {"taboo": {"path": "games/taboo/taboo.game"}},
                                              "episodes_per_instance": "many"}))
    proc = run("run", "--out", str(out), "--resume")
    assert proc.returncode == 2 and "malformed" in proc.stderr, proc.stderr
    (out / "run.json").write_text("{not json")
    proc = run("run", "--out", str(out), "--resume")
    assert proc.returncode == 2 and "not readable JSON" in proc.stderr, proc.stderr


def test_resume_needs_an_out_folder():
    proc = run("run", "taboo", "--resume")
    assert proc.returncode == 2 and "--out" in proc.stderr


def test_ctrl_c_hint_prints_the_whole_command_and_it_finishes_the_same_plan(tmp_path):
    out = tmp_path / "r[/x]un"  # a folder name that is also rich markup
    with ChatServer(delay=0.05) as server:
        model = f"openai:m@{server.url}"
        proc = subprocess.Popen(gamelang_cmd() + ["run", "taboo", "--model", model, "--episodes", "2", "--limit", "6",
                                                  "--seed", "3", "--concurrency", "2", "--out", str(out)],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(600):
            episodes = out / "episodes.jsonl"
            if episodes.is_file() and episodes.read_text().count("\n") >= 2:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
        if proc.returncode == 0:
            pytest.skip("the run finished before it could be interrupted")
        assert proc.returncode == 130, stderr
        hint = " ".join(stdout.split())  # rich may wrap the line
        command = hint.split("continue with: ", 1)[1]
        args = shlex.split(command)
        assert args[:2] == ["gamelang", "run"]
        for option in ("--episodes 2", "--limit 6", "--seed 3", f"--model {model}", "--resume"):
            assert option in " ".join(args), (option, args)
        proc = subprocess.run(gamelang_cmd() + args[1:], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
    data = read_run(out)
    assert data.meta["status"] == "complete"
    assert len(keys(out)) == 12 and len(set(keys(out))) == 12
