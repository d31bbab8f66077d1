"""bench/library.py finds the games under a folder and measures each with its reference players."""

from __future__ import annotations

import importlib.util

from tests.conftest import GAMES, ROOT


def test_library_benchmark_measures_a_game_and_skips_one_without_players(tmp_path):
    spec = importlib.util.spec_from_file_location("bench_library", ROOT / "bench" / "library.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    row = bench.measure(GAMES / "taboo" / "taboo.game", limit=3, repeat=1, concurrency=2)
    assert row["game"] == "taboo" and row["episodes"] == 3 and row["win_pct"] == 100.0
    assert row["episodes_per_s"] > 0 and row["requests_per_episode"] == 4.0
    (tmp_path / "solo.game").write_text('game solo { version 1 }\nrole p { intro "hi" }\n'
                                        'state s { ask p\n end win }\n')
    assert "no reference player for p" in bench.measure(tmp_path / "solo.game", None, 1, 1)["skipped"]
