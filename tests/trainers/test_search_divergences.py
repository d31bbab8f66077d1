"""`gamelang export kto|dpo` on a search folder: the siblings a re-rooting dropped (no episode record,
only trees.jsonl keeps their replies) become undesirable KTO rows and rejected DPO replies."""

from __future__ import annotations

import json

import pytest

from gamelang.compiler import compile_file
from gamelang.data.divergences import read_trees
from gamelang.instances import load_instances
from gamelang.runtime.run import RunSettings
from tests.conftest import ROOT
from tests.test_cli_runs import run
from tests.trainers.test_search import SeededClerk
from trainers.search import SearchSettings, run_search


@pytest.fixture(scope="module")
def search(tmp_path_factory):
    """A JOSH search folder over four errands the seeded clerk can all solve."""
    out = tmp_path_factory.mktemp("search") / "s"
    machine = compile_file(ROOT / "examples" / "josh_game" / "errands.game").machine
    easy = [i for i in load_instances(machine) if set(i.data["wants"]) <= {"write", "cut", "drink", "light", "sweep"}]
    settings = RunSettings(out=out, instance_ids=[i.id for i in easy[:4]], seed=1, role_specs={"clerk": SeededClerk()})
    result = run_search([machine], settings, SearchSettings(learner="clerk", beam=8, branch=2))
    assert result.statuses.get("success", 0) >= 1
    return out


def export(fmt: str, folder, out, *options: str):
    proc = run("export", fmt, str(folder), "--out", str(out), *options)
    lines = out.read_text().splitlines() if proc.returncode == 0 else []
    return proc, lines


def dropped_golden_siblings(folder) -> set[tuple[str, str, str]]:
    """(instance, branch, reply) of each dropped, unrewarded sibling of a rewarded golden node of a successful tree."""
    out = set()
    for (_, _, instance, _), tree in read_trees(folder).items():
        if tree["status"] != "success":
            continue
        for g in tree["nodes"]:
            if g["golden"] and g["rewards"] and g["parent"] is not None:
                out |= {(instance, n["id"], n["reply"]) for n in tree["nodes"]
                        if n["parent"] == g["parent"] and n["id"] != g["id"] and not n["rewards"]
                        and n["status"] == "dropped" and n["reply"] != g["reply"]}
    return out


def test_export_kto_adds_the_dropped_siblings_and_leaves_the_episode_rows_byte_identical(search, tmp_path):
    proc, with_rows = export("kto", search, tmp_path / "kto.jsonl")
    assert proc.returncode == 0, proc.stderr
    proc, without = export("kto", search, tmp_path / "plain.jsonl", "--no-divergences")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in with_rows]
    added = [r for r in rows if r.get("source") == "divergence"]
    assert [line for line, r in zip(with_rows, rows) if "source" not in r] == without  # same rows, same order
    assert not any("source" in json.loads(line) for line in without)
    assert added and all(not r["label"] for r in added)  # the golden replies are rows of the won leaf already
    expected = dropped_golden_siblings(search)
    assert expected and {(r["instance"], r["branch"], r["completion"][0]["content"]) for r in added} == expected
    for row in added:  # at the prompt of a desirable golden reply that says something else
        twins = [r for r in rows if r["label"] and r["prompt"] == row["prompt"] and r["instance"] == row["instance"]]
        assert twins and all(t["completion"] != row["completion"] for t in twins)
        assert row["outcome"] is None and row["main"] is None and row["role"] == "clerk"


def test_export_dpo_pairs_each_golden_reply_with_its_dropped_siblings(search, tmp_path):
    proc, lines = export("dpo", search, tmp_path / "dpo.jsonl")
    assert proc.returncode == 0, proc.stderr
    pairs = [json.loads(line) for line in lines if json.loads(line).get("source") == "divergence"]
    proc, kto = export("kto", search, tmp_path / "kto.jsonl")
    desirable = {(r["instance"], json.dumps(r["prompt"])): r["completion"] for r in map(json.loads, kto) if r["label"]}
    assert {(p["instance"], p["rejected_branch"], p["rejected"][0]["content"]) for p in pairs} \
        == dropped_golden_siblings(search)
    for pair in pairs:
        assert pair["chosen"] == desirable[(pair["instance"], json.dumps(pair["prompt"]))]
        assert pair["chosen"] != pair["rejected"] and pair["prompt"][-1]["role"] == "user"
        assert pair["outcome"] == "win" and pair["rejected_outcome"] is None and pair["level"] == "turn"
    proc, _ = export("dpo", search, tmp_path / "none.jsonl", "--no-divergences")
    assert proc.returncode == 1 and "make no pair" in proc.stderr  # the leaves alone: equal scores
    proc, lines = export("dpo", search, tmp_path / "episode.jsonl", "--level", "episode")
    assert not any("divergence" in line for line in lines)


def test_divergence_rows_follow_the_selection(search, tmp_path):
    # the rows come with the won golden leaf: an export that leaves it out leaves them out
    proc, lines = export("kto", search, tmp_path / "lost.jsonl", "--outcome", "lose", "--outcome", "abort")
    assert not any("divergence" in line for line in lines), proc.stdout


def test_divergence_options_are_refused_where_they_mean_nothing(search, tmp_path):
    plain = tmp_path / "plain"
    proc = run("run", "taboo", "--limit", "1", "--out", str(plain))
    assert proc.returncode == 0, proc.stderr
    for args, text in ((["kto", str(plain), "--divergences"], "none of these runs is a search folder"),
                       (["sft", str(search), "--no-divergences"], "options of 'export kto' and 'export dpo'"),
                       (["dpo", str(search), "--probes"], "--probes is an option of 'export sft' and 'export kto'")):
        proc = run("export", *args, "--out", str(tmp_path / "x.jsonl"))
        assert proc.returncode == 2 and text in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def test_datasets_reads_the_source_column_of_jsonl_and_parquet_exports(search, tmp_path):
    pytest.importorskip("datasets")
    from datasets import Dataset, load_dataset

    for name in ("kto.parquet", "kto.jsonl"):
        proc = run("export", "kto", str(search), "--out", str(tmp_path / name))
        assert proc.returncode == 0, proc.stderr
    for data in (Dataset.from_parquet(str(tmp_path / "kto.parquet")),
                 load_dataset("json", data_files=str(tmp_path / "kto.jsonl"), split="train")):
        assert "source" in data.column_names and "divergence" in data["source"] and None in data["source"]
        assert None in data["outcome"] and "win" in data["outcome"]
