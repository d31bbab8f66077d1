"""`gamelang export`, `compare` and `run --split` from the outside, on runs of the scripted players."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.conftest import ROOT
from tests.test_cli_runs import run


def lines(path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def assert_error(proc, code: int, text: str) -> None:
    assert proc.returncode == code, (proc.stdout, proc.stderr)
    assert "gamelang: error: " in proc.stderr and text in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """taboo, 3 instances: the reference guesser (wins) and a guesser that always says 'nothing' (loses)."""
    tmp = tmp_path_factory.mktemp("runs")
    wrong = tmp / "wrong.txt"
    wrong.write_text("GUESS: nothing\n" * 3)
    good, bad = tmp / "good", tmp / "bad"
    proc = run("run", "taboo", "--limit", "3", "--out", str(good))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = run("run", "taboo", "--limit", "3", "--out", str(bad), "--role", f"guesser=replay:{wrong}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return good, bad


def test_export_sft_of_a_run(two_runs, tmp_path):
    good, bad = two_runs
    out = tmp_path / "sft.jsonl"
    proc = run("export", "sft", str(good), str(bad), "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "wrote 6 sft rows" in proc.stdout and "outcome lose 3" in proc.stdout
    assert "no --split" in proc.stderr  # the runs used every instance
    rows = lines(out)
    assert {(r["role"], r["outcome"], r["run"]) for r in rows} == {("describer", "win", str(good)),
                                                                  ("guesser", "win", str(good))}
    source = {(r["instance"]): r for r in lines(good / "episodes.jsonl")}
    for row in rows:
        assert row["messages"] == source[row["instance"]]["messages"][row["role"]]


def test_export_dpo_pairs_across_runs_share_the_prefix_they_claim(two_runs, tmp_path):
    good, bad = two_runs
    out = tmp_path / "dpo.jsonl"
    proc = run("export", "dpo", str(bad), str(good), "--role", "guesser", "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = lines(out)
    assert len(rows) == 3 and "pairs 3" in proc.stdout
    records = {(str(folder), r["instance"]): r for folder in (good, bad) for r in lines(folder / "episodes.jsonl")}
    for row in rows:
        chosen = records[(row["run"], row["instance"])]["messages"]["guesser"]
        rejected = records[(row["rejected_run"], row["instance"])]["messages"]["guesser"]
        p = len(row["prompt"])
        assert row["prompt"] == chosen[:p] == rejected[:p]
        assert row["chosen"] == [chosen[p]] and row["rejected"] == [rejected[p]] == [
            {"role": "assistant", "content": "GUESS: nothing"}]
        assert row["run"] == str(good) and row["outcome"] == "win" and row["rejected_outcome"] == "lose"


def test_export_kto_labels_and_filters(two_runs, tmp_path):
    good, bad = two_runs
    out = tmp_path / "kto.jsonl"
    proc = run("export", "kto", str(good), str(bad), "--role", "guesser", "--model", "scripted", "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = lines(out)
    assert rows and all(r["label"] and r["model"] == "scripted" for r in rows)
    assert "other player 3" in proc.stdout  # the replayed guesser of the bad run
    proc = run("export", "kto", str(good), str(bad), "--role", "guesser", "--out", str(out))
    assert {r["label"] for r in lines(out)} == {True, False}


def test_compare_runs(two_runs):
    good, bad = two_runs
    proc = run("compare", str(bad), str(good))
    assert proc.returncode == 0, proc.stderr
    assert "taboo" in proc.stdout and "95 % interval" in proc.stdout and "+100.0" in proc.stdout
    rows = list(csv.DictReader(io.StringIO(run("compare", str(bad), str(good), "-f", "csv").stdout)))
    assert [float(r["win_pct"]) for r in rows] == [0.0, 100.0] and rows[1]["d_win_pct"] == "100.0"
    assert json.loads(run("compare", str(good), "-f", "json").stdout)[0]["episodes"] == 3


def test_run_on_a_split_records_it_and_export_warns(tmp_path):
    out = tmp_path / "test-run"
    proc = run("run", "taboo", "--split", "test", "--limit", "2", "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    meta = json.loads((out / "run.json").read_text())
    assert meta["split"] == {"name": "test", "test_share": 0.2, "seed": 0}
    from gamelang.splits import side_of

    assert all(side_of("taboo", r["experiment"], r["instance"]) == "test" for r in lines(out / "episodes.jsonl"))
    proc = run("export", "sft", str(out), "--out", str(tmp_path / "x.jsonl"))
    assert proc.returncode == 0 and "a run on the test split" in proc.stderr
    proc = run("export", "sft", str(out), "--split", "train", "--out", str(tmp_path / "x.jsonl"))
    assert_error(proc, 1, "nothing to export")
    assert "instance not in the train split 2" in proc.stdout
    assert_error(run("run", "taboo", "--split", "train", "--limit", "2", "--out", str(out), "--resume"), 2,
                 "this run was started with split test")
    assert_error(run("run", "taboo", "--split", "dev", "--out", str(tmp_path / "y")), 2, "unknown split 'dev'")
    assert_error(run("run", "taboo", "--split", "test", "--test-share", "2", "--out", str(tmp_path / "y")), 2,
                 "between 0 and 1")
    assert_error(run("run", "taboo", "--test-share", "0.3", "--out", str(tmp_path / "y")), 2, "give --split")


def test_bad_input_gives_a_message_and_an_exit_code(two_runs, tmp_path):
    good, _ = two_runs
    out = str(tmp_path / "x.jsonl")
    assert_error(run("export", "sft", str(tmp_path / "missing"), "--out", out), 2, "no run folder")
    truncated = tmp_path / "truncated"
    truncated.mkdir()
    (truncated / "episodes.jsonl").write_text((good / "episodes.jsonl").read_text()[:300])
    assert_error(run("export", "sft", str(truncated), "--out", out), 2, "no readable episode record")
    failed = tmp_path / "failed"
    failed.mkdir()
    record = lines(good / "episodes.jsonl")[0]
    (failed / "episodes.jsonl").write_text(json.dumps(dict(record, outcome="error", scores=None)) + "\n")
    assert_error(run("export", "dpo", str(failed), "--out", out), 1, "nothing to export")
    assert_error(run("export", "sft", str(good), "--role", "guessr", "--out", out), 2, "did you mean 'guesser'")
    assert_error(run("export", "sft", str(good), "--out", str(tmp_path / "x.csv")), 2, "must end in .jsonl")
    assert_error(run("export", "sft", str(good), "--level", "episode", "--out", out), 2, "options of 'export dpo'")
    assert_error(run("compare", str(tmp_path / "missing")), 2, "no run folder")
    assert not (tmp_path / "x.jsonl").exists()


def test_play_on_a_split():
    from gamelang.compiler import compile_file
    from gamelang.instances import load_instances
    from gamelang.splits import side_of

    machine = compile_file(ROOT / "games" / "taboo" / "taboo.game").machine
    first = next(i for i in load_instances(machine) if side_of("taboo", i.experiment, i.id) == "test")
    proc = run("play", "taboo", "--split", "test")
    assert proc.returncode == 0, proc.stderr
    assert f"taboo · {first.experiment} · instance {first.id}" in proc.stdout


def test_split_lists_the_sides_of_a_game():
    from gamelang.splits import side_of

    proc = run("split", "taboo", "--ids")
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.strip().startswith("high_en"))
    held = line.split("test ids:")[1].split()
    assert held and all(side_of("taboo", "high_en", i) == "test" for i in held)
    assert f"test {len(held):>5}" in line
    assert_error(run("split", "taboo", "--test-share", "-1"), 2, "between 0 and 1")
