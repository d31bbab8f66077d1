"""The measured examples of search, imagined episodes and offline RL run end to end in quick mode.

Quick mode checks the pipeline and the table (a few instances, a few training steps), not what the
models learn: examples/README.md has the full runs.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT


# each runs a subprocess that imports torch and trains: minutes on a busy machine (nothing asserts on time)
pytestmark = pytest.mark.timeout(1800)


def run_example(script: str, out) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, f"examples/{script}", "--quick", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def table_rows(out) -> list[list[str]]:
    lines = (out / "table.txt").read_text().splitlines()
    assert set(lines[1]) <= {"-", " "}
    return [[cell.strip() for cell in line.split("  ") if cell.strip()] for line in lines[2:]]


def test_josh_example_runs_every_step_in_quick_mode(tmp_path):
    out = tmp_path / "josh"
    proc = run_example("josh.py", out)
    rows = table_rows(out)
    assert [r[0] for r in rows] == ["seed (SFT on the noisy teacher)", "(a) + SFT on plain won episodes",
                                    "(b) + SFT on JOSH golden paths", "(b) + SFT golden + KTO divergences"]
    assert all(r[-1] == "4" for r in rows)  # every model played the test episodes: each step had data
    for command in ("$ gamelang search", "--mode josh", "$ gamelang export sft", "--golden", "$ gamelang train kto"):
        assert command in proc.stdout
    assert "time:" in proc.stdout
    # (a) and (b) were cut to one budget of learner tokens: that of the smaller set
    cuts = re.findall(r"(plain|golden): (\d+) of (\d+) rows, (\d+) learner tokens \(budget (\d+)\)", proc.stdout)
    assert [c[0] for c in cuts] == ["plain", "golden"] and cuts[0][4] == cuts[1][4]
    assert all(0 < int(tokens) <= int(budget) for *_, tokens, budget in cuts)
    assert any(rows_kept == rows_all for _, rows_kept, rows_all, _, _ in cuts)
    for name in ("teacher", "plain", "search", "seed-test", "kto-test"):
        assert (out / "runs" / name / "episodes.jsonl").is_file()
    assert (out / "runs" / "search" / "trees.jsonl").is_file()


def test_imagined_example_runs_every_step_in_quick_mode(tmp_path):
    out = tmp_path / "imagined"
    proc = run_example("imagined.py", out)
    rows = table_rows(out)
    assert [r[0] for r in rows] == ["base (untrained)", "filtered BC (sft, wins only)", "ILQL, beta 4",
                                    "ILQL's LM alone (beta 0)"]
    assert all(r[-1] == "4" for r in rows)
    for command in ("$ gamelang imagine shapes", "$ gamelang export sft", "$ gamelang train ilql"):
        assert command in proc.stdout
    assert (out / "runs" / "imagined" / "personas.jsonl").is_file()
    assert (out / "models" / "ilql" / "ilql_heads.pt").is_file()
