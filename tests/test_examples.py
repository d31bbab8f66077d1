"""The examples run as documented."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT, gamelang_cmd


def test_env_api_example_solves_wordle():
    proc = subprocess.run([sys.executable, "examples/env_api.py"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 10 and all(": win in " in ln for ln in lines)


def test_tiny_model_example(tmp_path):
    proc = subprocess.run([sys.executable, "examples/tiny_model_run.py", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "transcript.html").is_file()
    assert len((tmp_path / "run" / "episodes.jsonl").read_text().splitlines()) == 8


def test_authored_example_game(tmp_path):
    assert subprocess.run(gamelang_cmd() + ["validate", "examples/guess_number"], cwd=ROOT).returncode == 0
    proc = subprocess.run(gamelang_cmd() + ["run", "examples/guess_number/guess_number.game", "--out",
                                            str(tmp_path / "r"), "--seed", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "5 episodes played" in proc.stdout


def test_train_example_runs_end_to_end_in_quick_mode(tmp_path):
    # --quick: a few instances and training steps; this checks the pipeline and the table, not the lift
    out = tmp_path / "train"
    proc = subprocess.run([sys.executable, "examples/train_sft.py", "--quick", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    table = (out / "table.txt").read_text().splitlines()
    assert table[0].split()[:3] == ["method", "test", "win"]
    assert [line.split("  ")[0] for line in table[2:]] == ["base (untrained)", "SFT", "SFT + DPO", "SFT + GRPO"]
    assert all(line.split()[-1] == "6" for line in table[2:])  # test episodes
    assert "$ gamelang train sft" in proc.stdout and "$ gamelang export dpo" in proc.stdout
    assert "$ gamelang train grpo" in proc.stdout and "--partner speaker=scripted" in proc.stdout
    assert (out / "models" / "grpo" / "episodes" / "episodes.jsonl").is_file()  # GRPO's training episodes
    for name in ("base-test", "sft-test", "dpo-test", "grpo-test", "sft-sampled", "reference"):
        assert (out / "runs" / name / "episodes.jsonl").is_file()
