"""Defect 2 of issue 15: text that cannot be encoded (lone surrogates) never loses a run.

A reply is made safe where it enters (``GameEnv.step``: surrogates replaced, the count logged in
the reply event); the run-folder writer never loses other records when one cannot be encoded.
"""

from __future__ import annotations

import json
import subprocess

from gamelang.instances import make_instance
from gamelang.runtime.episode import GameEnv
from gamelang.runtime.runfolder import RunWriter, read_run
from gamelang.safetext import replace_surrogates, visible
from tests.conftest import ROOT, compile_text, gamelang_cmd

GAME = """
game g { version 1 }
instance { word: str = "apple" }
role a { intro "Say the word {{ word }}." }
move say by a = regex /^SAY: (?P<text>.+)$/
state s {
  ask a
  parse say else abort "no SAY"
  if say.text == word end win
  end lose "{{ say.text }}"
}
"""


def test_replace_surrogates_counts_only_lone_ones():
    assert replace_surrogates("ok \U0001f600") == ("ok \U0001f600", 0)
    assert replace_surrogates("a\ud800b\udfff") == ("a\ufffdb\ufffd", 2)
    assert replace_surrogates("\ud83d\ude00") == ("\U0001f600", 0)  # a pair left as two code points
    assert visible("x\ud800") == "x\ufffd"


def test_step_replaces_lone_surrogates_and_logs_it(tmp_path):
    machine = compile_text(GAME, tmp_path)
    env = GameEnv(machine)
    env.reset(make_instance(machine, {}, 0))
    turn = env.step("SAY: bad \ud800 x")
    assert turn.done and env.outcome == "lose"
    reply = next(e for e in env.events if e["type"] == "reply")
    assert reply["text"] == "SAY: bad \ufffd x" and reply["replaced"] == 1
    json.dumps(env.record(), ensure_ascii=False).encode("utf-8")  # the record is encodable


def test_step_with_surrogates_only_in_the_error_message(tmp_path):
    machine = compile_text(GAME, tmp_path)
    env = GameEnv(machine)
    env.reset(make_instance(machine, {}, 0))
    env.fail("server said \udcff")
    assert env.outcome == "error"
    json.dumps(env.record(), ensure_ascii=False).encode("utf-8")


def _record(i: int, **extra) -> dict:
    return {"game": "g", "experiment": "e", "instance": str(i), "episode": 0, "branch": "", "outcome": "win",
            "scores": {"main": 1}, **extra}


def test_writer_keeps_every_record_when_one_cannot_be_encoded(tmp_path):
    cycle: dict = {}
    cycle["self"] = cycle
    writer = RunWriter(tmp_path, {"games": {}})
    writer.append(_record(0))
    writer.append(_record(1, events=[{"type": "reply", "role": "a", "text": "bad \ud800"}]))  # a surrogate
    writer.append(_record(2, data=cycle))  # cannot be serialised at all
    writer.append(_record(3, big=10**5000))  # an int JSON refuses to write (over 4,300 digits)
    writer.append(_record(4))
    writer.close("complete")
    data = read_run(tmp_path)
    assert not data.problems
    assert [r["instance"] for r in data.records] == ["0", "1", "2", "3", "4"]
    assert data.records[1]["events"][0]["text"] == "bad \ufffd"
    assert [r["outcome"] for r in data.records] == ["win", "win", "error", "error", "win"]
    assert "could not be written" in data.records[2]["reason"]
    (tmp_path / "episodes.jsonl").read_bytes().decode("utf-8")  # valid UTF-8 throughout


def test_writer_meta_with_surrogates(tmp_path):
    writer = RunWriter(tmp_path, {"command": "gamelang run g\udcff.game", "games": {}})
    writer.close("complete")
    assert json.loads((tmp_path / "run.json").read_text())["command"] == "gamelang run g\ufffd.game"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(gamelang_cmd() + list(args), capture_output=True, text=True, cwd=ROOT, timeout=180)


def test_a_run_with_a_surrogate_reply_keeps_its_episodes_and_resumes(tmp_path):
    replies = tmp_path / "r.json"
    # JSON escapes of lone surrogates, as a server's JSON or a replay file can hold them
    replies.write_text('{"describer": ["CLUE: bad \\ud800 x", "CLUE: b", "CLUE: c"], '
                       '"guesser": ["GUESS: a \\udfff", "GUESS: b", "GUESS: c"]}')
    out = tmp_path / "run"
    args = ["run", "taboo", "--model", f"replay:{replies}", "--limit", "3", "--out", str(out)]
    proc = _run(*args)
    assert proc.returncode == 0, proc.stderr
    data = read_run(out)
    assert len(data.records) == 3 and data.meta["status"] == "complete"
    reply = next(e for e in data.records[0]["events"] if e["type"] == "reply")
    assert reply["replaced"] == 1 and "\ufffd" in reply["text"]
    lines = (out / "episodes.jsonl").read_text().splitlines(keepends=True)
    (out / "episodes.jsonl").write_text("".join(lines[:1]))  # as if killed after one episode
    proc = _run(*args, "--resume")
    assert proc.returncode == 0, proc.stderr
    data = read_run(out)
    assert sorted(r["instance"] for r in data.records) == sorted({r["instance"] for r in data.records})
    assert len(data.records) == 3 and not data.problems


def test_instance_data_with_surrogates_is_written(tmp_path):
    (tmp_path / "inst.jsonl").write_text('{"word": "ap\\ud800ple"}\n{"word": "pear"}\n')
    game = tmp_path / "g.game"
    game.write_text(GAME.replace('instance { word: str = "apple" }', 'instance { word: str }\ninstances "inst.jsonl"'))
    replies = tmp_path / "r.txt"
    replies.write_text("SAY: pear\n")
    out = tmp_path / "run"
    proc = _run("run", str(game), "--model", f"replay:{replies}", "--out", str(out))
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    assert len(read_run(out).records) == 2
