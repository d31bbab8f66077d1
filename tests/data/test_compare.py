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


# ---------------------------------------------------------------------------------------------
# clembench figures, bootstrap intervals and separation

def game_records(game: str, outcomes: list[str], mains: dict[str, float] | None = None) -> list[dict]:
    mains = mains or {"win": 100.0, "lose": 0.0}
    return [record(str(i), 0, o, mains.get(o), [SYSTEM, user("q"), bot("x")], game=game)
            for i, o in enumerate(outcomes)]


def model_runs(tmp_path, per_run: dict[str, list[dict]]):
    return [(name, read_run(write_run(tmp_path / name, recs))) for name, recs in per_run.items()]


def test_clembench_figures_follow_clembench_definitions(tmp_path):
    from gamelang.compare import OVERALL, clembench_comparison

    a = game_records("g1", ["win"] * 6 + ["lose"] * 2 + ["abort"] * 2) + game_records("g2", ["abort"] * 4)
    b = game_records("g1", ["win"] * 8 + ["lose"] * 2) + game_records("g2", ["win", "lose", "lose", "lose"])
    c = clembench_comparison(model_runs(tmp_path, {"a": a, "b": b}), bootstrap=200, seed=1)
    g1a = c.score("g1", "a")
    assert (g1a.played_pct, g1a.quality, g1a.clemscore) == (80.0, 75.0, 60.0)
    # a game with no played episode has no quality: left out of the mean quality, as clembench does
    overall_a = c.score(OVERALL, "a")
    assert overall_a.played_pct == 40.0 and overall_a.quality == 75.0 and overall_a.clemscore == 30.0
    overall_b = c.score(OVERALL, "b")
    assert overall_b.clemscore == pytest.approx(100 / 100 * (80 + 25) / 2)
    assert g1a.clemscore_low <= g1a.clemscore <= g1a.clemscore_high
    assert [s.game for s in c.summaries] == ["g1", "g2", OVERALL]


def test_bootstrap_is_reproducible_and_separates_only_real_differences(tmp_path):
    from gamelang.compare import clembench_comparison

    strong = game_records("g", ["win"] * 36 + ["lose"] * 4)
    weak = game_records("g", ["win"] * 8 + ["lose"] * 32)
    twin = game_records("g", ["win"] * 35 + ["lose"] * 5)
    runs = model_runs(tmp_path, {"strong": strong, "weak": weak, "twin": twin})
    first = clembench_comparison(runs, bootstrap=300, seed=7)
    again = clembench_comparison(runs, bootstrap=300, seed=7)
    assert first.as_dict() == again.as_dict()
    pairs = {(p.a, p.b): p for p in first.pairs if p.game == "g"}
    assert pairs[("strong", "weak")].separated and pairs[("weak", "twin")].separated
    assert not pairs[("strong", "twin")].separated
    strong_weak = pairs[("strong", "weak")]
    assert strong_weak.diff == pytest.approx(70.0) and strong_weak.low <= 70.0 <= strong_weak.high
    summary = next(s for s in first.summaries if s.game == "g")
    assert (summary.pairs, summary.separated, summary.spread) == (3, 2, pytest.approx(70.0))
    assert summary.share == pytest.approx(2 / 3)


def test_report_chart_and_page_are_self_contained(tmp_path):
    from xml.dom.minidom import parseString

    from gamelang.compare import clembench_comparison, render_html, render_svg

    runs = model_runs(tmp_path, {"<b>a</b>": game_records("g&h", ["win", "lose"]),
                                 "b": game_records("g&h", ["lose", "abort"])})
    c = clembench_comparison(runs, bootstrap=50)
    svg = render_svg(c)
    dom = parseString(svg)  # well-formed: names are escaped
    assert dom.documentElement.tagName == "svg"
    assert len(dom.getElementsByTagName("rect")) >= 2  # bars (and the legend)
    assert "&lt;b&gt;a&lt;/b&gt;" in svg
    rows, _ = compare_runs(runs)
    page = render_html(c, rows)
    assert page.startswith("<!doctype html>") and "<script" not in page and "<svg" in page
    assert "<b>a</b>" not in page and "g&amp;h" in page


def test_a_run_without_a_game_is_compared_on_the_games_it_has(tmp_path):
    from gamelang.compare import OVERALL, clembench_comparison

    a = game_records("g1", ["win", "lose"]) + game_records("g2", ["win", "win"])
    b = game_records("g1", ["lose", "lose"])
    c = clembench_comparison(model_runs(tmp_path, {"a": a, "b": b}), bootstrap=50)
    assert c.score("g2", "b") is None and any("g2: only a played it" in n for n in c.notes)
    assert c.score(OVERALL, "b").clemscore == 0.0 and c.score(OVERALL, "a").clemscore == 75.0
    g2 = next(s for s in c.summaries if s.game == "g2")
    assert (g2.pairs, g2.share, g2.spread) == (0, None, None)
