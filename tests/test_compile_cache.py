"""The cache of `validate` results (gamelang.compilecache): the same report as a fresh validation,
a miss whenever any input changes, and never a failure because of the cache."""

from __future__ import annotations

import json
import shutil

import pytest

from gamelang import compilecache
from gamelang.validate import validate_paths

from .conftest import GAMES


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("GAMELANG_CACHE_DIR", str(folder))
    return folder


def _entries(folder):
    return sorted(folder.glob(f"{compilecache.PREFIX}*.json"))


def _shown(outcome):
    return outcome.exit_code, outcome.render_text(), outcome.render_json()


@pytest.fixture
def games(tmp_path):
    """Wordle (a library and a word list) and wordle_withclue (imports them) in a folder of their own."""
    folder = tmp_path / "games"
    for name in ("wordle", "wordle_withclue"):
        shutil.copytree(GAMES / name, folder / name)
    return folder


def _hits(folder):
    """How many games of the folder came from the cache (a cached report has no compile result)."""
    return sum(r.result is None for r in validate_paths([folder], use_cache=True).reports)


@pytest.mark.parametrize("instances", [True, False])
def test_a_cached_report_is_the_fresh_report(cache, instances):
    fresh = _shown(validate_paths([GAMES], check_instances=instances))
    first = validate_paths([GAMES], check_instances=instances, use_cache=True)
    assert _shown(first) == fresh
    assert len(_entries(cache)) == len(first.reports) >= 15
    again = validate_paths([GAMES], check_instances=instances, use_cache=True)
    assert all(r.result is None for r in again.reports)  # every one from the cache
    assert _shown(again) == fresh


def test_warnings_are_kept_with_their_source_lines(cache, tmp_path):
    game = tmp_path / "g" / "g.game"
    game.parent.mkdir()
    game.write_text((GAMES / "taboo" / "taboo.game").read_text(encoding="utf-8") + "\ntemplate unused_thing \"hello\"\n",
                    encoding="utf-8")
    for name in ("instances.jsonl", "stopwords_en.txt"):
        shutil.copy(GAMES / "taboo" / name, game.parent / name)
    fresh = validate_paths([game])
    assert fresh.reports[0].warnings and not fresh.reports[0].errors
    validate_paths([game], use_cache=True)
    cached = validate_paths([game], use_cache=True)
    assert cached.reports[0].result is None
    assert _shown(cached) == _shown(fresh)
    assert "unused_thing" in cached.render_text()


def _relink(file):
    file.rename(file.with_name("moved.txt"))
    file.symlink_to("moved.txt")


@pytest.mark.parametrize("change", [
    lambda g: (g / "wordle" / "words.txt").write_text("crane\n", encoding="utf-8"),
    lambda g: (g / "wordle" / "wordle.gamelib").write_text(
        (g / "wordle" / "wordle.gamelib").read_text(encoding="utf-8") + "\n// a comment\n", encoding="utf-8"),
    lambda g: (g / "wordle_withclue" / "instances.jsonl").write_text("", encoding="utf-8"),
    lambda g: (g / "wordle_withclue" / "notes.txt").write_text("a new file in the folder", encoding="utf-8"),
    lambda g: _relink(g / "wordle" / "words.txt"),  # the same text, through a link now
])
def test_any_changed_input_misses(cache, games, change):
    assert _hits(games) == 0
    assert _hits(games) == 2
    change(games)
    outcome = validate_paths([games / "wordle_withclue"], use_cache=True)
    assert outcome.reports[0].result is not None  # validated again
    assert _shown(outcome) == _shown(validate_paths([games / "wordle_withclue"]))


def test_a_changed_game_or_gamelang_misses(cache, games, monkeypatch):
    assert _hits(games) == 0
    game = games / "wordle" / "wordle.game"
    game.write_text(game.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert _hits(games) == 1  # wordle_withclue is unchanged
    monkeypatch.setattr(compilecache, "_toolchain", "another version of gamelang")
    assert _hits(games) == 0


def test_corrupt_or_foreign_entries_are_ignored_and_rewritten(cache, games):
    _hits(games)
    entries = _entries(cache)
    entries[0].write_bytes(b"\x00garbage")
    entries[1].write_text(json.dumps({"key": "another", "files": []}), encoding="utf-8")
    fresh = _shown(validate_paths([games]))
    outcome = validate_paths([games], use_cache=True)
    assert [r.result is None for r in outcome.reports] == [False, False]
    assert _shown(outcome) == fresh
    assert _hits(games) == 2


def test_errors_are_not_kept(cache, tmp_path):
    game = tmp_path / "g" / "bad.game"
    game.parent.mkdir()
    game.write_text('game g { version 1 }\nstate s { goto nowhere }\n', encoding="utf-8")
    first = validate_paths([game], use_cache=True)
    assert first.exit_code == 1
    assert _entries(cache) == []
    assert _shown(validate_paths([game], use_cache=True)) == _shown(first)


def test_the_cache_can_be_turned_off_or_be_unwritable(games, tmp_path, monkeypatch):
    monkeypatch.setenv("GAMELANG_CACHE_DIR", "")
    assert _hits(games) == 0 and _hits(games) == 0
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("GAMELANG_CACHE_DIR", str(blocker / "gamelang"))
    assert _hits(games) == 0 and _hits(games) == 0
    assert _shown(validate_paths([games], use_cache=True)) == _shown(validate_paths([games]))
