"""Parsed .game texts cached on disk (gamelang.parsedcache): the same located data and diagnostics
as a fresh parse, a new entry for any change, and never a failure because of the cache."""

from __future__ import annotations

import os
import pickle
from dataclasses import fields
import subprocess
import sys

import pytest

from gamelang import parsedcache
from gamelang.compiler import compile_file
from gamelang.lang.diagnostics import Diagnostics
from gamelang.lang.parser import parse_game_text as fresh_parse
from gamelang.lang.expr import Expr
from gamelang.lang.source import Located

from .conftest import GAMES, ROOT

BROKEN = 'game broken { version 1 }\nvar x: int = 1 +\nstate s {\n  ask nobody\n  end win\n}\n'


def _plain(value):
    """The located data as plain, comparable values (Located compares by identity)."""
    if isinstance(value, Expr):  # an expression's equality and repr leave its position out
        return (type(value).__name__, value.pos, [(f.name, _plain(getattr(value, f.name))) for f in fields(value)])
    if isinstance(value, Located):
        return ("Located", _plain(value.value), value.pos, value.text, value.file)
    if isinstance(value, dict):
        return ("dict", [(_plain(k), _plain(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [_plain(v) for v in value])
    return value


def _entries(folder):
    return sorted(folder.glob(f"{parsedcache.PREFIX}*.pickle"))


def _parse(text: str, display: str = "g.game"):
    diags = Diagnostics()
    located = parsedcache.parse_game_text(text, display, diags)
    return _plain(located), list(diags.items)


def _fresh(text: str, display: str = "g.game"):
    diags = Diagnostics()
    return _plain(fresh_parse(text, display, diags)), list(diags.items)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("GAMELANG_CACHE_DIR", str(folder))
    return folder


@pytest.mark.parametrize("path", sorted(GAMES.glob("*/*.game")) + sorted(GAMES.glob("*/*.gamelib")),
                         ids=lambda p: p.name)
def test_a_cached_parse_is_the_fresh_parse(cache, path):
    text = path.read_text(encoding="utf-8")
    stored = _parse(text, str(path))  # parses and stores
    assert len(_entries(cache)) == 1
    again = _parse(text, str(path))  # loads
    assert stored == again == _fresh(text, str(path))


def test_the_diagnostics_of_a_broken_text_come_back_with_it(cache):
    fresh = _fresh(BROKEN)
    assert fresh[1], "the text must have syntax errors"
    assert _parse(BROKEN) == fresh
    assert _parse(BROKEN) == fresh  # from the cache


def test_another_text_or_another_name_is_another_entry(cache):
    text = (GAMES / "taboo" / "taboo.game").read_text(encoding="utf-8")
    _parse(text)
    _parse(text + "\n# a comment\n")
    _parse(text, "other.game")
    assert len(_entries(cache)) == 3


@pytest.mark.parametrize("damage", ["truncate", "garbage", "other key", "wrong shape", "empty"])
def test_a_damaged_entry_is_parsed_again_and_rewritten(cache, damage):
    text = (GAMES / "wordle" / "wordle.game").read_text(encoding="utf-8")
    expected = _parse(text)
    (entry,) = _entries(cache)
    data = entry.read_bytes()
    key, _, body = data.partition(b"\n")
    entry.write_bytes({"truncate": data[: len(data) // 2], "garbage": key + b"\n" + os.urandom(64),
                       "other key": b"0" * len(key) + b"\n" + body,
                       "wrong shape": key + b"\n" + pickle.dumps(["not", "a", "pair"]), "empty": b""}[damage])
    assert _parse(text) == expected
    assert entry.read_bytes() == data  # rewritten


def test_no_cache_folder_means_no_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("GAMELANG_CACHE_DIR", "")
    monkeypatch.chdir(tmp_path)
    text = (GAMES / "taboo" / "taboo.game").read_text(encoding="utf-8")
    assert _parse(text) == _fresh(text)
    assert not list(tmp_path.rglob("*.pickle"))


def test_a_folder_that_cannot_be_written_is_no_error(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("GAMELANG_CACHE_DIR", str(blocker / "gamelang"))
    text = (GAMES / "taboo" / "taboo.game").read_text(encoding="utf-8")
    assert _parse(text) == _fresh(text)


def test_only_the_newest_entries_are_kept(cache, monkeypatch):
    monkeypatch.setattr(parsedcache, "KEEP", 3)
    for i in range(6):
        _parse(f"game g{i} {{ version 1 }}\n")
    assert len(_entries(cache)) == 3


def test_a_game_compiled_from_the_cache_is_the_game(cache):
    path = GAMES / "wordle" / "wordle.game"  # imports a library: both files come from the cache
    first = compile_file(path)
    assert len(_entries(cache)) == 2
    second = compile_file(path)
    assert first.loaded.spec == second.loaded.spec
    assert first.diagnostics == second.diagnostics
    assert first.machine.content_hash == second.machine.content_hash


def test_compiling_a_cached_game_does_not_load_the_parser(tmp_path):
    code = ("import sys\nfrom gamelang.compiler import compile_file\nfrom gamelang.registry import resolve_game\n"
            "assert compile_file(resolve_game('taboo')).ok\nprint('lark' in sys.modules)")
    env = {**os.environ, "GAMELANG_CACHE_DIR": str(tmp_path)}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert (first.stdout.strip(), second.stdout.strip()) == ("True", "False"), first.stderr + second.stderr


def test_a_text_given_as_text_is_parsed_and_not_stored(cache):
    from gamelang.lang.loader import load_spec, load_spec_text

    text = (GAMES / "taboo" / "taboo.game").read_text(encoding="utf-8")
    from_text = load_spec_text(text, "taboo.game")  # an editor's buffer, a test's text
    assert not _entries(cache)
    assert load_spec(GAMES / "taboo" / "taboo.game", "taboo.game").spec == from_text.spec
    assert len(_entries(cache)) == 1


# ------------------------------------------------------------------ validated specs

def _spec_entries(folder):
    return sorted(folder.glob(f"{parsedcache.SPEC_PREFIX}*.pickle"))


@pytest.mark.parametrize("path", sorted(GAMES.glob("*/*.game")), ids=lambda p: p.name)
def test_a_spec_from_the_cache_is_the_validated_spec(cache, path, monkeypatch):
    from gamelang.lang import loader

    first = loader.load_spec(path, str(path))
    assert not (first.diags.items or first.partial), "the shipped games load clean"
    assert len(_spec_entries(cache)) == 1

    def no_validation(*args, **kwargs):
        raise AssertionError("a stored spec is not validated again")

    monkeypatch.setattr(loader, "validate_located", no_validation)
    if not first.imports:  # looked up by its text alone, before parsing
        monkeypatch.setattr(loader, "parse_game_text", no_validation)
    second = loader.load_spec(path, str(path))
    assert second.spec == first.spec and second.spec is not first.spec
    assert (second.smap.values, second.smap.keys, second.smap.texts, second.smap.files) == \
        (first.smap.values, first.smap.keys, first.smap.texts, first.smap.files)
    assert (second.partial, second.diags.items) == (False, [])
    assert {name: (f.source.text, f.folder) for name, f in second.imports.items()} == \
        {name: (f.source.text, f.folder) for name, f in first.imports.items()}


def test_a_changed_import_is_validated_again(cache, tmp_path, monkeypatch):
    import shutil

    from gamelang.lang import loader

    game = tmp_path / "wordle"
    shutil.copytree(GAMES / "wordle", game)
    first = loader.load_spec(game / "wordle.game")
    assert first.imports and len(_spec_entries(cache)) == 1
    library = game / "wordle.gamelib"
    library.write_text(library.read_text(encoding="utf-8").replace("var guesses: list[str] = []",
                                                                   "var guesses: list[str] = []\nvar spare: int = 1"),
                       encoding="utf-8")
    validated = []
    real = loader.validate_located
    monkeypatch.setattr(loader, "validate_located", lambda *a: validated.append(1) or real(*a))
    second = loader.load_spec(game / "wordle.game")
    assert validated and len(_spec_entries(cache)) == 2
    assert "spare" in second.spec.vars and "spare" not in first.spec.vars


def test_a_spec_entry_with_a_broken_text_is_not_made(cache):
    from gamelang.lang.loader import load_spec_text, _load
    from gamelang.lang.source import decode_source

    diags = Diagnostics()
    source = decode_source(BROKEN.encode(), "broken.game", diags)
    loaded = _load(GAMES / "broken.game", "broken.game", source, diags)
    assert loaded.diags.items and not _spec_entries(cache)
    assert load_spec_text(BROKEN, "broken.game").diags.items == loaded.diags.items


@pytest.mark.parametrize("damage", ["truncate", "garbage", "other key", "wrong types", "empty"])
def test_a_damaged_spec_entry_is_validated_again_and_rewritten(cache, damage):
    from gamelang.lang.loader import load_spec

    path = GAMES / "taboo" / "taboo.game"
    expected = load_spec(path).spec
    (entry,) = _spec_entries(cache)
    data = entry.read_bytes()
    key, _, body = data.partition(b"\n")
    entry.write_bytes({"truncate": data[: len(data) // 2], "garbage": key + b"\n" + os.urandom(64),
                       "other key": b"0" * len(key) + b"\n" + body,
                       "wrong types": key + b"\n" + pickle.dumps(({"game": "x"}, None)), "empty": b""}[damage])
    assert load_spec(path).spec == expected
    rewritten_key, _, rewritten = entry.read_bytes().partition(b"\n")
    assert rewritten_key == key and pickle.loads(rewritten)[0] == expected  # rewritten


def test_running_a_cached_game_builds_no_spec_validator(tmp_path):
    """The point of the stored specs: a warm process compiles taboo without building the spec
    models' validators (pydantic's defer_build), which is most of what importing them cost."""
    code = ("from gamelang.compiler import compile_file\nfrom gamelang.registry import resolve_game\n"
            "from gamelang.lang.spec import GameSpec\nassert compile_file(resolve_game('taboo')).ok\n"
            "print(GameSpec.__pydantic_complete__)")
    env = {**os.environ, "GAMELANG_CACHE_DIR": str(tmp_path)}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert (first.stdout.strip(), second.stdout.strip()) == ("True", "False"), first.stderr + second.stderr
