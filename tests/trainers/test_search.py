"""Branching search: JOSH beam and fixed-factor trees, their invariants, folders, resume and export."""

from __future__ import annotations

import json
import random
import subprocess
from functools import lru_cache

import pytest

from gamelang.compiler import compile_file
from gamelang.instances import load_instances
from gamelang.players.base import Player, Request
from gamelang.registry import resolve_game
from gamelang.runtime.rollout import Assignment, EpisodeJob, RolloutEngine
from gamelang.runtime.run import RunSettings
from gamelang.runtime.runfolder import read_run
from tests.conftest import ROOT, gamelang_cmd
from trainers.search import Search, SearchSettings, read_trees, run_search

WORDS = ["crane", "slate", "plumb", "wrung", "lofty", "mirth", "gusty", "beach"]


class SeededGuesser(Player):
    """A wordle guesser that picks a word by its request's seed: sibling branches guess differently."""

    def __init__(self, words: list[str]) -> None:
        super().__init__("seeded")
        self.words = words

    def respond(self, requests: list[Request]) -> list[str]:
        return [f"explanation: a try\nguess: {random.Random(r.seed).choice(self.words)}" for r in requests]


@lru_cache(maxsize=None)
def wordle():
    return compile_file(resolve_game("wordle")).machine


def grow(mode: str, words: list[str], n: int = 4, **knobs):
    m = wordle()
    instances = [i for i in load_instances(m)][:n]
    # the target is among the words, so some branch can win
    jobs = [EpisodeJob(m, inst, 0, 11 + k) for k, inst in enumerate(instances)]
    guesses = [*words, *(inst.data["target_word"] for inst in instances)]
    engine = RolloutEngine(Assignment(roles={"guesser": SeededGuesser(guesses)}))
    trees = []
    Search(engine, SearchSettings(learner="guesser", mode=mode, **knobs)).grow(jobs, lambda t, ended: trees.append((t, ended)))
    return trees


def test_josh_trees_keep_their_invariants():
    trees = grow("josh", WORDS, beam=4, branch=2)
    assert len(trees) == 4
    assert any(t.status == "success" for t, _ in trees), "some tree finds its word"
    for tree, ended in trees:
        nodes = tree.nodes
        golden = [n for n in nodes.values() if n.golden]
        if tree.status == "success":
            leaf = max(golden, key=lambda n: n.depth)
            assert leaf.status == "ended" and leaf.outcome == "win" and "outcome:win" in leaf.rewards
            assert [n.id for n in tree.path(leaf.id)] == sorted((n.id for n in golden), key=len)
        for node in golden:  # a golden node's parent is golden and successful
            assert node.successful and (node.parent is None or nodes[node.parent].golden)
        for depth in {n.depth for n in nodes.values()}:  # the beam bound
            assert sum(1 for n in nodes.values() if n.depth == depth) <= 4
        for node in nodes.values():
            if node.status == "dropped":  # only rivals of a golden node are dropped, never its path
                assert not node.golden and any(g.depth == node.depth for g in golden)
        assert {e.branch for e in ended} == {n.id for n in nodes.values() if n.status == "ended"}


def test_a_reward_re_roots_the_tree_and_drops_exactly_the_open_siblings():
    trees = grow("josh", WORDS, beam=8, branch=2, n=6)
    rerooted = [(t, e) for t, e in trees if any(n.status == "dropped" for n in t.nodes.values())]
    for tree, _ in rerooted:
        for node in tree.nodes.values():
            if node.status == "dropped":
                golden_here = [g for g in tree.nodes.values() if g.golden and g.depth == node.depth]
                assert golden_here and golden_here[0].id != node.id


def test_factor_trees_branch_to_the_depth_then_play_out():
    trees = grow("factor", WORDS, depth=2, branch=2, n=2)
    for tree, ended in trees:
        depth1 = [n for n in tree.nodes.values() if n.depth == 1]
        depth2 = [n for n in tree.nodes.values() if n.depth == 2]
        assert len(depth1) <= 2 and len(depth2) <= 4
        assert all(n.status != "dropped" for n in tree.nodes.values())
        assert len(ended) == len([n for n in tree.nodes.values() if n.status == "ended"])
        winners = [e for e in ended if e.outcome == "win"]
        for env in winners:
            assert all(n.successful for n in tree.path(env.branch))


def test_search_folders_hold_trees_and_leaf_episodes_and_resume(tmp_path):
    m = wordle()
    settings = RunSettings(out=tmp_path / "s", limit=2, seed=3)
    knobs = SearchSettings(learner="guesser", beam=4)
    result = run_search([m], settings, knobs)
    trees = read_trees(tmp_path / "s")
    data = read_run(tmp_path / "s")
    assert result.trees == len(trees) == 2
    assert len(data.records) == result.records > 0
    assert all(r["search"]["mode"] == "josh" for r in data.records)
    assert len({(r["instance"], r["branch"]) for r in data.records}) == len(data.records)  # branches never collide
    settings.resume = True
    again = run_search([m], settings, knobs)
    assert again.trees == 0 and again.skipped == 2
    with pytest.raises(Exception, match="already holds a search"):
        run_search([m], RunSettings(out=tmp_path / "s", limit=2), knobs)


def test_the_cli_searches_and_export_takes_golden_paths(tmp_path):
    out = tmp_path / "search"
    proc = subprocess.run(gamelang_cmd() + ["search", "wordle", "--learner", "guesser", "--limit", "2",
                                            "--beam", "4", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "2 trees searched" in proc.stdout
    sft = tmp_path / "sft.jsonl"
    proc = subprocess.run(gamelang_cmd() + ["export", "sft", str(out), "--golden", "--out", str(sft)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in sft.read_text().splitlines()]
    golden = [r for r in read_run(out).records if r["search"]["golden"] and r["outcome"] == "win"]
    assert len(rows) == len(golden) >= 1
    bad = subprocess.run(gamelang_cmd() + ["search", "wordle", "--learner", "nobody", "--out", str(tmp_path / "x")],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "'nobody' is not a role of game 'wordle'" in bad.stderr
    assert "Traceback" not in bad.stderr


class SeededClerk(Player):
    """An errands clerk (examples/josh_game) that fetches a random item by its request's seed."""

    ITEMS = ["pen", "knife", "cup", "lamp", "broom", "spade", "needle", "string", "ruler", "chair"]

    def __init__(self) -> None:
        super().__init__("seeded-clerk")

    def respond(self, requests: list[Request]) -> list[str]:
        return [f"FETCH: {random.Random(r.seed).choice(self.ITEMS[:5])}" for r in requests]


def test_divergence_rows_pair_each_rewarded_golden_reply_with_its_unrewarded_siblings(tmp_path):
    from trainers.search import divergence_rows

    machine = compile_file(ROOT / "examples" / "josh_game" / "errands.game").machine
    # needs whose items are among the clerk's five: every tree can succeed
    easy = [i for i in load_instances(machine) if set(i.data["wants"]) <= {"write", "cut", "drink", "light", "sweep"}]
    settings = RunSettings(out=tmp_path / "s", instance_ids=[i.id for i in easy[:4]], seed=1,
                           role_specs={"clerk": SeededClerk()})
    result = run_search([machine], settings, SearchSettings(learner="clerk", beam=8, branch=2))
    assert result.statuses.get("success", 0) >= 1
    assert json.loads((tmp_path / "s" / "run.json").read_text())["players"]["roles"] == {"clerk": "seeded-clerk"}
    rows = divergence_rows(tmp_path / "s", "clerk")
    good = [r for r in rows if r["label"]]
    bad = [r for r in rows if not r["label"]]
    assert good and bad
    trees = read_trees(tmp_path / "s")
    rewarded = sum(1 for t in trees.values() if t["status"] == "success"
                   for n in t["nodes"] if n["golden"] and n["rewards"] and n["parent"] is not None)
    assert len(good) == rewarded
    for row in bad:  # a sibling's reply at the same prompt as a rewarded golden reply, and another reply
        twin = [g for g in good if g["prompt"] == row["prompt"] and g["instance"] == row["instance"]]
        assert twin and twin[0]["completion"] != row["completion"]
        assert row["prompt"][-1]["role"] == "user" and row["completion"][0]["role"] == "assistant"
