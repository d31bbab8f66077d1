"""`gamelang play`, `run`, `score` and `transcript` from the outside."""

from __future__ import annotations

import csv
import io
import json
import subprocess

from tests.conftest import ROOT, gamelang_cmd


def run(*args: str, stdin: str | None = None, timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run(gamelang_cmd() + list(args), capture_output=True, text=True, cwd=ROOT, input=stdin,
                          timeout=timeout)


def test_play_uses_the_reference_players_by_default():
    proc = run("play", "taboo")
    assert proc.returncode == 0, proc.stderr
    assert "players: describer = scripted, guesser = scripted" in proc.stdout
    assert "outcome: win" in proc.stdout and "main score: 50.0" in proc.stdout


def test_play_as_a_human_shows_only_that_role(tmp_path):
    proc = run("play", "taboo", "--human", "guesser", "--save", str(tmp_path / "ep.jsonl"),
               stdin="GUESS: summer\nGUESS: winter\n")
    assert proc.returncode == 0, proc.stderr
    assert "You are the guesser" in proc.stdout
    assert "Your target word" not in proc.stdout  # the describer's secret is not shown
    record = json.loads((tmp_path / "ep.jsonl").read_text())
    assert record["outcome"] == "win" and record["players"]["guesser"] == "human"


def test_play_with_a_replay_player_and_an_instance(tmp_path):
    replies = tmp_path / "guesses.txt"
    replies.write_text("GUESS: jan\n")
    proc = run("play", "taboo", "--instance", "4", "--role", f"guesser=replay:{replies}")
    assert proc.returncode == 0, proc.stderr
    assert "outcome: win" in proc.stdout and "main score: 100.0" in proc.stdout


def test_play_reports_usage_errors_without_tracebacks():
    for args in (["--role", "guesser"], ["--role", "nobody=scripted"], ["--model", "gpt"], ["--instance", "nope"]):
        proc = run("play", "taboo", *args)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr and "gamelang: error" in proc.stderr
    proc = run("play", "taboo", "--role", "guesser=replay:/no/such/file")
    assert proc.returncode == 2 and "replay file not found" in proc.stderr


def test_run_score_and_transcript(tmp_path):
    out = tmp_path / "run"
    proc = run("run", "taboo", "wordle", "referencegame", "--out", str(out), "--limit", "4", "--episodes", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "24 episodes played" in proc.stdout
    meta = json.loads((out / "run.json").read_text())
    assert meta["status"] == "complete" and set(meta["games"]) == {"taboo", "wordle", "referencegame"}
    assert meta["games"]["taboo"]["planned"] == 8
    lines = (out / "episodes.jsonl").read_text().splitlines()
    assert len(lines) == 24
    record = json.loads(lines[0])
    for key in ("game", "experiment", "instance", "episode", "players", "seed", "outcome", "reason", "scores",
                "events", "messages"):
        assert key in record

    rows = list(csv.DictReader(io.StringIO(run("score", str(out), "--format", "csv").stdout)))
    by = {(r["game"], r["experiment"]): r for r in rows}
    assert float(by[("taboo", "(all)")]["quality"]) == 50.0
    assert float(by[("wordle", "(all)")]["played_pct"]) == 100.0
    assert float(by[("(all games)", "")]["clemscore"]) == (50 + 100 + 100) / 3
    assert json.loads(run("score", str(out), "-f", "json").stdout)[0]["run"] == "run"
    table = run("score", str(out)).stdout
    assert "clemscore" in table and "taboo" in table

    html = tmp_path / "t.html"
    proc = run("transcript", str(out), "--out", str(html), "--game", "taboo")
    assert proc.returncode == 0 and "wrote 8 episodes" in proc.stdout
    page = html.read_text()
    assert page.startswith("<!doctype html>") and "CLUE: It has" in page and "<script" not in page


def test_run_refuses_to_mix_into_an_existing_run_without_resume(tmp_path):
    out = tmp_path / "run"
    assert run("run", "referencegame", "--out", str(out), "--limit", "2").returncode == 0
    proc = run("run", "referencegame", "--out", str(out), "--limit", "2")
    assert proc.returncode == 2 and "--resume" in proc.stderr
    # a resume plays the plan the run started with: another --limit is refused (issue 15)
    proc = run("run", "referencegame", "--out", str(out), "--limit", "3", "--resume")
    assert proc.returncode == 2 and "--limit: 2 when the run started, 3 now" in proc.stderr
    lines = (out / "episodes.jsonl").read_text().splitlines(keepends=True)
    (out / "episodes.jsonl").write_text(lines[0])
    proc = run("run", "referencegame", "--out", str(out), "--resume")
    assert proc.returncode == 0 and "1 of 2 episodes already done" in proc.stdout
    other = tmp_path / "answers.txt"
    other.write_text("Answer: first\n")
    proc = run("run", "referencegame", "--out", str(out), "--limit", "2", "--resume", "--role",
               f"follower=replay:{other}")
    assert proc.returncode == 2 and "players" in proc.stderr


def test_resume_refuses_a_changed_game(tmp_path):
    game = tmp_path / "g.game"
    text = (ROOT / "games" / "referencegame" / "referencegame.game").read_text()
    for f in ("instances.jsonl",):
        (tmp_path / f).write_text((ROOT / "games" / "referencegame" / f).read_text())
    game.write_text(text)
    out = tmp_path / "run"
    assert run("run", str(game), "--out", str(out), "--limit", "1").returncode == 0
    game.write_text(text.replace("main = if(won, 100, 0)", "main = if(won, 99, 0)"))
    proc = run("run", str(game), "--out", str(out), "--limit", "1", "--resume")
    assert proc.returncode == 2 and "changed since this run started" in proc.stderr


def test_error_episodes_are_logged_counted_and_retried(tmp_path):
    out = tmp_path / "run"
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    proc = run("run", "referencegame", "--out", str(out), "--limit", "3", "--role", f"follower=replay:{empty}")
    assert proc.returncode == 1
    rows = json.loads(run("score", str(out), "-f", "json").stdout)
    game_row = next(r for r in rows if r["game"] == "referencegame" and r["experiment"] == "(all)")
    assert game_row["errors"] == 3 and game_row["played_pct"] is None
    records = [json.loads(x) for x in (out / "episodes.jsonl").read_text().splitlines()]
    assert all(r["outcome"] == "error" and "no reply 1" in r["reason"] for r in records)


def test_score_of_something_that_is_not_a_run(tmp_path):
    proc = run("score", str(tmp_path))
    assert proc.returncode == 2 and "not a run folder" in proc.stderr


def test_transcripts_escape_model_text(tmp_path):
    from gamelang.transcript import render_html

    record = {"game": "g", "experiment": "e", "instance": "0", "episode": 0, "players": {"a": "x"},
              "outcome": "abort", "reason": "<b>bad</b>", "scores": {"main": None},
              "events": [{"type": "reply", "role": "a", "text": "<script>alert(1)</script>"}], "messages": {}}
    page = render_html([record])
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>bad</b>" not in page
