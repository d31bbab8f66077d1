"""The smaller items of defect 7 of issue 15: hostile numbers, bad --out/--save, malformed run folders."""

from __future__ import annotations

import json
import subprocess

from gamelang.lang.moves import MoveParser
from gamelang.lang.spec import Move
from gamelang.runtime.runfolder import read_run
from tests.conftest import ROOT, gamelang_cmd


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(gamelang_cmd() + list(args), capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_a_json_move_with_a_huge_number_is_a_parse_failure_not_an_error():
    p = MoveParser("m", Move.model_validate({"by": "a", "json": {"n": "int"}}))
    result = p.parse('{"n": ' + "9" * 5000 + "}")
    assert not result.ok and "4300" in result.error
    deep = p.parse('{"n": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert not deep.ok


def test_out_that_is_not_a_folder_is_bad_usage(tmp_path):
    afile = tmp_path / "file"
    afile.write_text("x")
    for out in (str(afile), "/dev/null", "/proc/self/no/such/dir", str(afile / "sub")):
        proc = run("run", "taboo", "--limit", "1", "--out", out)
        assert proc.returncode == 2, (out, proc.stderr)
        assert "internal error" not in proc.stderr and "gamelang: error:" in proc.stderr
    assert afile.read_text() == "x"


def test_play_save_to_a_folder_is_refused_before_playing(tmp_path):
    proc = run("play", "taboo", "--save", str(tmp_path))
    assert proc.returncode == 2 and "is a folder" in proc.stderr, proc.stderr
    assert "outcome" not in proc.stdout  # refused before the episode, so nothing was lost
    saved = tmp_path / "ep.jsonl"
    proc = run("play", "taboo", "--save", str(saved))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(saved.read_text())["outcome"] == "win"


def _malformed_run(tmp_path):
    out = tmp_path / "run"
    assert run("run", "taboo", "--limit", "4", "--out", str(out)).returncode == 0
    lines = (out / "episodes.jsonl").read_text().splitlines()
    bad = [json.loads(x) for x in lines[1:3]] + [json.loads(lines[2])]
    bad[0]["outcome"] = 5
    bad[1]["scores"] = "high"
    bad[2]["events"].append({"type": "parse", "ok": False})  # no move: the transcript would need it
    hostile = [lines[0], json.dumps(bad[0]), "[1, 2, 3]", json.dumps(bad[1]), '{"game": "taboo"}',
               '"just a string"', "{" + "[" * 5000, json.dumps(bad[2]), lines[3]]
    (out / "episodes.jsonl").write_text("\n".join(hostile) + "\n")
    return out


def test_malformed_records_are_reported_and_the_rest_is_used(tmp_path):
    out = _malformed_run(tmp_path)
    data = read_run(out)
    assert len(data.records) == 2 and len(data.problems) == 7
    assert any("'outcome'" in p for p in data.problems) and any("'scores'" in p for p in data.problems)
    assert any("has no 'move'" in p for p in data.problems)
    proc = run("score", str(out))
    assert proc.returncode == 0 and "line 2 is not a valid episode record" in proc.stderr, proc.stderr
    proc = run("transcript", str(out), "--out", str(tmp_path / "t.html"))
    assert proc.returncode == 0 and "wrote 2 episodes" in proc.stdout, proc.stderr
    proc = run("run", "--out", str(out), "--resume")
    assert proc.returncode == 0, proc.stderr
    data = read_run(out)
    assert {r["instance"] for r in data.latest().values()} == {"0", "1", "2", "3"}
    proc = run("run", "taboo", "--limit", "4", "--model", f"replay:{out / 'episodes.jsonl'}",
               "--out", str(tmp_path / "replayed"))
    assert proc.returncode == 0 and "internal error" not in proc.stderr, proc.stderr


def test_malformed_run_json_is_reported_not_a_crash(tmp_path):
    out = _malformed_run(tmp_path)
    for meta in ("[1, 2]", '{"games": [1]}', '{"games": {"taboo": 3}}', "{bad"):
        (out / "run.json").write_text(meta)
        proc = run("score", str(out))
        assert proc.returncode == 0 and "internal error" not in proc.stderr, (meta, proc.stderr)
        assert "run.json" in proc.stderr
        proc = run("run", "taboo", "--limit", "4", "--out", str(out), "--resume")
        assert proc.returncode in (0, 2) and "internal error" not in proc.stderr, (meta, proc.stderr)
