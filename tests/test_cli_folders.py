"""`gamelang run`, `play` and `graph` take folders of games, as `validate` does."""

from __future__ import annotations

import json
import subprocess

from tests.conftest import gamelang_cmd

GAME = """
game {name} {{ version 1 }}
role a {{ intro "hi" }}
move m by a = regex /(?P<x>.*)/
state s {{ ask a parse m if m.x == "yes" end win end lose }}
player p for a {{ reply "yes" }}
"""


def folder_of_games(tmp_path):
    (tmp_path / "games" / "two").mkdir(parents=True)
    (tmp_path / "games" / "one.game").write_text(GAME.format(name="one"))
    (tmp_path / "games" / "two" / "two.game").write_text(GAME.format(name="two"))
    # a game's twin in the YAML form is the same game: it is played once
    (tmp_path / "games" / "two" / "two.game.yaml").write_text(
        "game: {name: two}\nroles: {a: {intro: hi}}\nmoves: {m: {by: a, regex: '(?P<x>.*)'}}\n"
        "states: {s: [{ask: a}, {parse: m}, {end: win}]}\nplayers: {p: {for: a, reply: 'yes'}}\n")
    return tmp_path / "games"


def gamelang(*args, cwd=None):
    return subprocess.run(gamelang_cmd() + list(args), capture_output=True, text=True, timeout=180, cwd=cwd)


def test_run_plays_every_game_under_a_folder(tmp_path):
    games = folder_of_games(tmp_path)
    proc = gamelang("run", str(games), "-o", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(ln) for ln in (tmp_path / "out" / "episodes.jsonl").read_text().splitlines()]
    assert sorted((r["game"], r["outcome"]) for r in records) == [("one", "win"), ("two", "win")]


def test_play_and_graph_take_a_folder(tmp_path):
    games = folder_of_games(tmp_path)
    proc = gamelang("play", str(games))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("outcome: win") == 2
    proc = gamelang("graph", str(games))
    assert proc.returncode == 0 and proc.stdout.count("stateDiagram-v2") == 2
    # one game's folder is still that one game
    proc = gamelang("graph", str(games / "two"))
    assert proc.returncode == 0 and proc.stdout.count("stateDiagram-v2") == 1


def test_a_folder_without_games_is_bad_usage(tmp_path):
    (tmp_path / "empty").mkdir()
    for command in ("run", "play", "graph"):
        proc = gamelang(command, str(tmp_path / "empty"))
        assert proc.returncode == 2 and "no game files" in proc.stderr, (command, proc.stderr)
