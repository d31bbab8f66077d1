"""The LALR parser's tables cached on disk (gamelang.parsercache): faster start-up, never a
different parse, and never a failure because of the cache."""

from __future__ import annotations

import os

import pytest

from gamelang import parsercache
from gamelang.lang.parser import GRAMMAR_PATH, _WholeWordKeywords

from .conftest import GAMES

GRAMMAR = GRAMMAR_PATH.read_text(encoding="utf-8")
OPTIONS = dict(start=["start", "expr", "type"], propagate_positions=True, maybe_placeholders=True)


def _parser(grammar: str = GRAMMAR):
    return parsercache.lalr_parser(grammar, postlex=_WholeWordKeywords(), **OPTIONS)


def _files(folder):
    return sorted(p.name for p in folder.glob(f"{parsercache.PREFIX}*.pickle"))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("GAMELANG_CACHE_DIR", str(folder))
    return folder


def test_a_cached_parser_parses_every_game_as_a_fresh_one(cache):
    fresh = _parser()  # builds and stores
    assert len(_files(cache)) == 1
    loaded = _parser()  # loads
    assert loaded is not fresh
    for path in sorted(GAMES.glob("*/*.game")):
        text = path.read_text(encoding="utf-8")
        assert loaded.parse(text, start="start") == fresh.parse(text, start="start"), path
    # "notx" is one name only with the post-lexer, which a loaded parser is given back
    for text in ("a.b + 1 * len(xs)", "not x in [1, 2]", "notx + iny"):
        assert loaded.parse(text, start="expr") == fresh.parse(text, start="expr")
    assert type(loaded.lexer_conf.postlex) is _WholeWordKeywords


def test_a_changed_grammar_does_not_use_the_old_tables(cache):
    _parser()
    changed = GRAMMAR + "\n// a comment changes the text, hence the key\n"
    assert parsercache.cache_key(changed, {}, None) != parsercache.cache_key(GRAMMAR, {}, None)
    _parser(changed)
    assert len(_files(cache)) == 2  # one file per grammar; each is read only under its own key


@pytest.mark.parametrize("damage", [b"", b"not a key\n", None])
def test_a_corrupt_or_truncated_file_is_rebuilt(cache, damage):
    reference = _parser()
    (name,) = _files(cache)
    path = cache / name
    raw = path.read_bytes()
    # an empty file, another key, or the right key with a truncated pickle
    path.write_bytes(damage if damage is not None else raw[: len(raw) // 2])
    parser = _parser()
    text = (GAMES / "taboo" / "taboo.game").read_text(encoding="utf-8")
    assert parser.parse(text, start="start") == reference.parse(text, start="start")
    # rewritten whole: it loads again
    key = raw.split(b"\n", 1)[0].decode()
    assert path.read_bytes().startswith(raw.split(b"\n", 1)[0] + b"\n")
    assert parsercache._load(path, key, _WholeWordKeywords(), True) is not None


def test_a_cache_folder_that_cannot_be_written_is_no_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("GAMELANG_CACHE_DIR", str(blocker / "gamelang"))
    assert _parser().parse("1 + 2", start="expr") is not None
    if os.geteuid() != 0:  # root writes anywhere
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o500)
        monkeypatch.setenv("GAMELANG_CACHE_DIR", str(folder))
        assert _parser().parse("1 + 2", start="expr") is not None
        assert _files(folder) == []


def test_the_cache_can_be_turned_off_and_follows_xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("GAMELANG_CACHE_DIR", "")
    assert parsercache.cache_dir() is None
    assert _parser().parse("1", start="expr") is not None
    monkeypatch.delenv("GAMELANG_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert parsercache.cache_dir() == tmp_path / "xdg" / "gamelang"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # ignored, as the XDG spec says
    assert parsercache.cache_dir() == parsercache.Path(os.path.expanduser("~")) / ".cache" / "gamelang"


def test_old_files_are_pruned(cache):
    cache.mkdir()
    for i in range(parsercache.KEEP + 3):
        (cache / f"{parsercache.PREFIX}{i:032d}.pickle").write_bytes(b"old")
        os.utime(cache / f"{parsercache.PREFIX}{i:032d}.pickle", (1000 + i, 1000 + i))
    _parser()
    assert len(_files(cache)) == parsercache.KEEP
