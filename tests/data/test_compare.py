"""`compare` figures: the Wilson interval, differences to the first run, notes on what differs."""

from __future__ import annotations

import json

import pytest

from gamelang.compare import compare_runs, render_csv, render_json, wilson_interval
from gamelang.runtime.runfolder import read_run
from tests.data.records import SYSTEM, bot, record, user, write_run


def test_wilson_interval():
    assert wilson_interval(0, 0) is None
    low, high = wilson_interval(0, 10)
    assert low == 0.0 and 27 < high < 29  # the interval does not collapse at 0 %
    low, high = wilson_interval(5, 10)
    assert low == pytest.approx(23.66, abs=0.01) and high == pytest.approx(76.34, abs=0.01)
    low, high = wilson_interval(10, 10)
    assert 71 < low < 73 and high == pytest.approx(100.0)


def runs(tmp_path, outcomes_a, outcomes_b, instances_b=None):
    def recs(outcomes, instances):
        return [record(inst, 0, o, {"win": 100.0, "lose": 0.0}.get(o), [SYSTEM, user("q"), bot("x")])
                for inst, o in zip(instances, outcomes)]

    a = write_run(tmp_path / "a", recs(outcomes_a, [str(i) for i in range(len(outcomes_a))]),
                  meta={"split": {"name": "test", "test_share": 0.2, "seed": 0}})
    b = write_run(tmp_path / "b", recs(outcomes_b, instances_b or [str(i) for i in range(len(outcomes_b))]))
    return [(str(a), read_run(a)), (str(b), read_run(b))]


def test_differences_to_the_first_run(tmp_path):
    rows, notes = compare_runs(runs(tmp_path, ["lose"] * 20, ["win"] * 18 + ["abort", "error"]))
    base, other = rows
    # errors are left out of the figures: 18 wins of 19 episodes
    assert (base.win_pct, other.win_pct) == (0.0, pytest.approx(1800 / 19)) and other.errors == 1
    assert other.d_win_pct == pytest.approx(1800 / 19) and other.d_quality == 100.0 and other.d_played_pct == pytest.approx(-100 / 19)
    assert other.apart and not base.apart
    assert any("test split" in n for n in notes)
    data = json.loads(render_json(rows))
    assert data[1]["win_low"] == other.win_low
    assert render_csv(rows).splitlines()[0].startswith("game,run,episodes,errors,win_pct,win_low,win_high")


def test_overlapping_intervals_and_different_instances_are_noted(tmp_path):
    rows, notes = compare_runs(runs(tmp_path, ["win", "lose"] * 3, ["win", "lose", "lose"] * 2,
                                    instances_b=[str(i) for i in range(3, 9)]))
    assert not rows[1].apart
    assert any("played 6 instances" in n and "3 of them the same" in n for n in notes)
