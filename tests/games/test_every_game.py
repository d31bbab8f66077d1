"""The checks every game in games/ gets, found by looking at the folders (a new game is covered
without a line here): it compiles without a diagnostic and loads its instances; the instances file
is what its generator (make_instances.py) or converter (convert_instances.py) writes; its reference
players win at least 90 % of the instances (and show what REFERENCE_CHECKS says for that game); and
every golden case in tests/games/golden/ replays exactly. Each game's own rules are tested in
tests/games/test_GAME.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gamelang.compiler import compile_file
from gamelang.instances import load_instances
from tests.games import _clemgames, _goal

ROOT = Path(__file__).resolve().parents[2]
GAMES = sorted(p.parent.name for p in (ROOT / "games").glob("*/*.game") if p.stem == p.parent.name)
WRITERS = [(g, s) for g in GAMES for s in ("make_instances.py", "convert_instances.py") if (ROOT / "games" / g / s).exists()]
GOLDEN = sorted(_goal.GOLDEN.glob("*.json"))
CLEMBENCH_DATA = ROOT.parent / "shared" / "data" / "clembench"  # where every convert_instances.py reads by default
TESTED = sorted(p.stem.removeprefix("test_") for p in Path(__file__).parent.glob("test_*.py"))


def _win_is_100(records):
    assert all(r["scores"]["main"] == 100 for r in records if r["outcome"] == "win")


def _booking(records):
    _win_is_100(records)
    assert all(r["scores"]["reward"] == 1 for r in records if r["outcome"] == "win")
    for r in records:   # each goal call paid once, its key the tool's name
        assert sorted(r["paid"]) == sorted(r["instance_data"]["goals"])
        assert [p["key"] for p in r["scores"]["partial_rewards"]] == r["paid"]


def _twenty_questions(records):
    for r in records:
        turns = r["scores"]["metrics"]["turns"]
        assert r["outcome"] == "win"
        assert r["scores"]["main"] == pytest.approx(100 * (1 - turns / 20))
        assert r["scores"]["reward"] == -(turns - 1)


def _guess_my_city(records):
    assert {(r["outcome"], r["scores"]["main"], r["scores"]["reward"]) for r in records} == {("win", 80, -3)}
    # the scripted oracle never had to be asked again: its facts never name the city
    assert not any(e["type"] == "reprompt" for r in records for e in r["events"])


def _teaching(records):
    for r in records:
        assert r["outcome"] == "win" and r["scores"]["main"] == 100
        assert len(r["scores"]["partial_rewards"]) == 6 and r["scores"]["reward"] == 1
    # some teachers are done early and say QUIZ
    assert any(r["scores"]["metrics"]["turns"] < r["instance_data"]["max_turns"] for r in records)


def _guesswhat(records):
    assert {r["scores"]["metrics"]["turns"] for r in records} == {4}


def _travel_agent(records):
    assert {(r["outcome"], r["scores"]["main"], r["scores"]["metrics"]["questions"]) for r in records} == {
        ("win", 100, 2)}


def _shapes(records):
    assert {r["outcome"] for r in records} == {"win"}
    # the speaker points; it never names the target
    assert {r["messages"]["speaker"][-1]["content"] for r in records} == {
        f"CLUE: the {o} one from the left" for o in ("first", "second", "third")}


#: what the reference players' episodes show beyond the 90 % of wins, per game
REFERENCE_CHECKS = {
    "booking": _booking,
    "codenames": _win_is_100,
    "guess_my_city": _guess_my_city,
    "guesswhat": _guesswhat,
    "imagegame": _win_is_100,
    "privateshared": _win_is_100,
    "shapes": _shapes,
    "teaching": _teaching,
    "travel_agent": _travel_agent,
    "twenty_questions": _twenty_questions,
}


def test_the_games_are_found():
    assert len(GAMES) >= 15 and {"wordle", "privateshared", "booking", "shapes"} <= set(GAMES)
    assert set(REFERENCE_CHECKS) <= set(GAMES)
    assert set(TESTED) - {"every_game", "tutorial"} <= set(GAMES)


@pytest.mark.parametrize("game", GAMES)
def test_compiles_without_a_diagnostic_and_loads_its_instances(game):
    result = compile_file(ROOT / "games" / game / f"{game}.game")
    assert result.ok and result.diagnostics == [], result.render()
    instances = load_instances(result.machine)
    assert instances and len({i.key for i in instances}) == len(instances)


@pytest.mark.parametrize("game, script", WRITERS, ids=[g for g, _ in WRITERS])
def test_the_instances_file_is_what_the_script_writes(game, script, tmp_path):
    folder = ROOT / "games" / game
    if script == "convert_instances.py" and not CLEMBENCH_DATA.is_dir():
        # the converters read clembench's published instances beside the checkout (../shared/data/clembench)
        pytest.skip(f"clembench's instance data is not at {CLEMBENCH_DATA}")
    subprocess.run([sys.executable, str(folder / script), "--out", str(tmp_path / "instances.jsonl")], check=True,
                   capture_output=True)
    assert (tmp_path / "instances.jsonl").read_bytes() == (folder / "instances.jsonl").read_bytes()


@pytest.mark.parametrize("game", [g for g in GAMES if _goal.machine(g).players])
def test_reference_players_win_at_least_90_percent(game, tmp_path):
    m = _goal.machine(game)
    assert all(m.reference_player(role) for role in m.roles), "a role without a reference player"
    rate, records = _clemgames.reference_win_rate(game, tmp_path / "run")
    assert rate >= 0.9
    if game in REFERENCE_CHECKS:
        REFERENCE_CHECKS[game](records)


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem)
def test_golden_replay(path):
    case = json.loads(path.read_text())
    assert case["game"] in GAMES
    # clembench's games name an instance by experiment and id; the goal-directed games by id alone
    (_clemgames if "experiment" in case else _goal).check_golden(path)


@pytest.mark.parametrize("game", [g for g in TESTED if g in GAMES])
def test_a_game_with_its_own_tests_has_a_golden_replay(game):
    assert any(json.loads(p.read_text())["game"] == game for p in GOLDEN)
