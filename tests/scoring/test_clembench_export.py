"""`gamelang export clembench`: clembench's results layout, read back the way clembench's evaluation
(clemcore's clemeval) reads it, gives the figures `gamelang score` prints; `compare --report`."""

from __future__ import annotations

import json
import math
from pathlib import Path
from statistics import mean

import pytest

from tests.test_cli_runs import run


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """taboo, wordle and referencegame, 4 instances each: the reference players, and players that
    lose taboo (a wrong guesser), abort wordle (no explanation) and pick the wrong grid."""
    tmp = tmp_path_factory.mktemp("clem")
    (tmp / "guesser.txt").write_text("GUESS: nothing\n" * 3)
    (tmp / "follower.txt").write_text("Answer: third grid\n")
    good, weak = tmp / "good", tmp / "weak"
    proc = run("run", "taboo", "wordle", "referencegame", "--limit", "4", "--out", str(good))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = run("run", "taboo", "wordle", "referencegame", "--limit", "4", "--out", str(weak),
               "--role", f"guesser=replay:{tmp / 'guesser.txt'}", "--role", f"follower=replay:{tmp / 'follower.txt'}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return good, weak


def read_results(folder: Path) -> list[dict]:
    """Every scores.json under a results folder, named by its path as clemeval names it:
    PLAYERS/GAME/EXPERIMENT/EPISODE/scores.json."""
    rows = []
    for path in sorted(folder.rglob("*scores.json")):
        players, game, experiment, episode, _ = path.parts[-5:]
        scores = json.loads(path.read_text())["episode scores"]
        rows.append({"model": players, "game": game, "experiment": experiment, "episode": episode, **scores})
    return rows


def clem_table(rows: list[dict]) -> dict[str, dict]:
    """clembench's table from episode scores: per game mean Played (1 - Aborted) x 100 and mean
    Main Score (NaN left out); over games the means of both, clemscore their product / 100."""
    out = {}
    for model in {r["model"] for r in rows}:
        per_game = {}
        for game in sorted({r["game"] for r in rows if r["model"] == model}):
            of = [r for r in rows if r["model"] == model and r["game"] == game]
            mains = [r["Main Score"] for r in of if not math.isnan(r["Main Score"])]
            per_game[game] = (100 * mean(1 - r["Aborted"] for r in of), mean(mains) if mains else None)
        played = mean(p for p, _ in per_game.values())
        quality = mean(q for _, q in per_game.values() if q is not None)
        out[model] = {"games": per_game, "clemscore": played / 100 * quality}
    return out


def test_export_is_read_as_clembench_reads_it_and_agrees_with_score(runs, tmp_path):
    good, weak = runs
    out = tmp_path / "results"
    proc = run("export", "clembench", str(good), str(weak), "--out", str(out),
               "--players-name", "ref-t0.0--ref-t0.0", "--players-name", "weak-t0.0--weak-t0.0")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "wrote 24 episodes" in proc.stdout
    episode = out / "ref-t0.0--ref-t0.0" / "taboo" / "high_en" / "instance_00000"
    assert {p.name for p in episode.iterdir()} == {"instance.json", "interactions.json", "scores.json"}
    assert (episode.parent / "experiment.json").is_file()
    interactions = json.loads((episode / "interactions.json").read_text())
    assert interactions["players"]["Player 1"] == {"game_role": "describer", "model_name": "scripted"}
    kinds = [a["action"]["type"] for turn in interactions["turns"] for a in turn]
    assert kinds[:2] == ["send message", "get message"] and len(interactions["turns"]) == 2  # taboo: 2 rounds
    assert json.loads((episode / "instance.json").read_text())["target_word"] == "winter"

    rows = read_results(out)
    assert len(rows) == 24
    aborted = [r for r in rows if r["Aborted"] == 1]
    assert aborted and all(math.isnan(r["Main Score"]) for r in aborted)  # NaN, as clembench writes it
    assert all(r["Request Count"] == r["Parsed Request Count"] + r["Violated Request Count"] for r in rows)
    table = clem_table(rows)
    for folder, source in (("ref-t0.0--ref-t0.0", good), ("weak-t0.0--weak-t0.0", weak)):
        scored = {(r["game"], r["experiment"]): r
                  for r in json.loads(run("score", str(source), "-f", "json").stdout)}
        for game, (played, quality) in table[folder]["games"].items():
            assert scored[(game, "(all)")]["played_pct"] == pytest.approx(played)
            assert scored[(game, "(all)")]["quality"] == (None if quality is None else pytest.approx(quality))
        assert scored[("(all games)", "")]["clemscore"] == pytest.approx(table[folder]["clemscore"])
    assert table["weak-t0.0--weak-t0.0"]["games"]["wordle"] == (0.0, None)
    printed = run("score", str(weak)).stdout
    assert "clembench" in printed and "(all games)" in printed and "sd" in printed


def test_export_clembench_usage_errors(runs, tmp_path):
    good, weak = runs
    proc = run("export", "clembench", str(good), str(good), "--out", str(tmp_path / "r"))
    assert proc.returncode == 2 and "--players-name" in proc.stderr
    proc = run("export", "clembench", str(good), "--out", str(tmp_path / "r"), "--role", "guesser")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    (tmp_path / "file").write_text("")
    proc = run("export", "clembench", str(good), "--out", str(tmp_path / "file"))
    assert proc.returncode == 2 and "not a folder" in proc.stderr


def test_compare_prints_clembench_and_writes_the_report(runs, tmp_path):
    good, weak = runs
    report = tmp_path / "report"
    proc = run("compare", str(good), str(weak), "--report", str(report), "--bootstrap", "200")
    assert proc.returncode == 0, proc.stderr
    assert "separated pairs" in proc.stdout and "(all games)" in proc.stdout
    data = json.loads((report / "compare.json").read_text())
    overall = {s["run"]: s for s in data["scores"] if s["game"] == "(all games)"}
    assert overall[str(good)]["clemscore"] > overall[str(weak)]["clemscore"]
    assert (report / "compare.svg").read_text().startswith("<svg")
    assert "<svg" in (report / "compare.html").read_text()


def _privateshared_record(replies: list[str]) -> dict:
    from tests.games._clemgames import play

    env = play("privateshared", replies, "travel-booking", "0")
    return {**env.record(), "players": {"answerer": "replay"}, "started": 0}


def _privateshared_replies() -> list[str]:
    """A perfect episode of travel-booking 0: five probes before the first request and after each of
    the five answers (asked for: to, when, by, from, class)."""
    values = {"to": "Lisbon", "when": "In two weeks", "by": "Overnight bus", "from": "Paris", "class": "Economy"}
    replies = []
    for rnd in range(6):
        replies += ["ASIDE: yes" if rnd > i else "ASIDE: no" for i in range(5)]
        if rnd < 5:
            replies.append(f"ANSWER: {list(values.values())[rnd]}.")
    return replies


def test_privateshared_rounds_are_the_game_s_rounds_not_its_requests():
    # clembench's privateshared: round 0 is the probing before the first request, then each round
    # is one request and the probing after it; its request counts are kept per round
    from gamelang.data.clembench import episode_files

    _, interactions, scores = episode_files(_privateshared_record(_privateshared_replies()), "p")
    assert interactions["meta"]["round_count"] == 6 and len(interactions["turns"]) == 6
    assert interactions["Request Count"] == [5, 6, 6, 6, 6, 6]
    assert interactions["Parsed Request Count"] == [5, 6, 6, 6, 6, 6]
    assert interactions["Violated Request Count"] == [0] * 6
    assert {k: v["Request Count"] for k, v in scores["turn scores"].items()} == {
        "0": 5, "1": 6, "2": 6, "3": 6, "4": 6, "5": 6}
    assert scores["episode scores"]["Request Count"] == 35 and scores["episode scores"]["Main Score"] == 100
    kinds = [[a["action"]["type"] for a in turn if a["action"]["type"] != "parse"] for turn in interactions["turns"]]
    assert kinds[0][:2] == ["probe question", "probe answer"] and "send message" not in kinds[0]
    assert kinds[1][:2] == ["send message", "get message"] and kinds[1].count("probe question") == 5


def test_privateshared_a_probe_asked_again_stays_in_its_round_and_an_abort_ends_the_last():
    from gamelang.data.clembench import episode_files

    replies = _privateshared_replies()
    # the first probe after the first answer is asked again once; the first probe after the second
    # answer gets no yes or no five times: the episode aborts in round 2
    replies = replies[:6] + ["ASIDE: maybe"] + replies[6:12] + ["ASIDE: maybe"] * 5
    _, interactions, scores = episode_files(_privateshared_record(replies), "p")
    assert interactions["Aborted"] == 1
    assert interactions["Request Count"] == [5, 7, 6]   # round 1: the request, five probes, one asked again
    assert interactions["Violated Request Count"] == [0, 1, 5]
    assert scores["episode scores"]["Request Count"] == 18
    assert interactions["meta"]["round_count"] == len(scores["turn scores"]) == 3
    assert interactions["turns"][-1][-1]["action"]["type"] == "invalid format"
