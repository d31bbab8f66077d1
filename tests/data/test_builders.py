"""SFT, DPO and KTO rows from hand-made records: what is chosen, paired, labelled and left out."""

from __future__ import annotations

import pytest

from gamelang.data.episodes import ExportError, load_runs
from gamelang.data.export import ExportOptions, export
from gamelang.data.select import Criteria
from tests.data.records import SYSTEM, bot, guessing_records, record, user, write_run

META_KEYS = {"game", "experiment", "instance", "episode", "branch", "role", "model", "outcome", "main", "reward",
             "run"}


def run_export(tmp_path, fmt, records=None, **kw):
    folder = write_run(tmp_path / "run", records if records is not None else guessing_records())
    criteria = kw.pop("criteria", Criteria())
    return export([folder], ExportOptions(fmt, criteria, **kw))


def test_sft_keeps_won_episodes_by_default_one_row_per_role(tmp_path):
    result = run_export(tmp_path, "sft")
    assert {(r["instance"], r["episode"], r["role"]) for r in result.rows} == {
        ("a", 0, "guesser"), ("a", 0, "describer"), ("a", 2, "guesser"), ("a", 2, "describer"),
        ("b", 0, "guesser"), ("b", 0, "describer")}
    row = next(r for r in result.rows if (r["instance"], r["episode"], r["role"]) == ("a", 0, "guesser"))
    assert row["messages"][0] == SYSTEM and row["messages"][-1] == bot("GUESS: winter")
    assert META_KEYS <= set(row) and row["main"] == 50.0 and row["model"] == "scripted"
    assert result.selection.skipped_episodes == {"outcome lose": 1, "outcome abort": 1}


def test_sft_filters_by_min_score_role_and_outcome(tmp_path):
    rows = run_export(tmp_path, "sft", criteria=Criteria(roles=("guesser",), min_score=60)).rows
    assert [(r["instance"], r["episode"]) for r in rows] == [("a", 2), ("b", 0)]
    rows = run_export(tmp_path, "sft", criteria=Criteria(roles=("guesser",), outcomes=("lose", "abort"))).rows
    assert [r["episode"] for r in rows] == [1, 3]


def test_sft_cuts_after_the_last_reply_and_skips_silent_and_simulated_roles(tmp_path):
    recs = [record("a", 0, "win", 100.0, [SYSTEM, user("q"), bot("GUESS: x"), user("well done")],
                   describer=[SYSTEM, user("wait")], simulated=["describer"]),
            record("a", 1, "win", 100.0, [SYSTEM, user("q"), bot("GUESS: x")],
                   describer=[SYSTEM, user("hi"), bot("CLUE: y")], simulated=["describer"])]
    result = run_export(tmp_path, "sft", recs)
    assert [r["role"] for r in result.rows] == ["guesser", "guesser"]
    assert result.rows[0]["messages"][-1] == bot("GUESS: x")
    assert result.selection.skipped_views == {"simulated role": 2}
    asked = run_export(tmp_path, "sft", recs, criteria=Criteria(roles=("describer",)))
    assert [(r["episode"], r["role"]) for r in asked.rows] == [(1, "describer")]
    assert asked.selection.skipped_views["role never replied"] == 1


def test_model_filter_uses_the_players_spec(tmp_path):
    recs = guessing_records()
    recs[0]["players"]["guesser"] = "hf:./m"
    rows = run_export(tmp_path, "sft", recs, criteria=Criteria(models=("hf:./m",))).rows
    assert [(r["episode"], r["role"], r["model"]) for r in rows] == [(0, "guesser", "hf:./m")]


def test_turn_pairs_share_exactly_the_prefix_they_claim(tmp_path):
    recs = guessing_records()
    result = run_export(tmp_path, "dpo", criteria=Criteria(roles=("guesser",)))
    by_episodes = {(r["episode"], r["rejected_episode"]): r for r in result.rows}
    # ep 2 (100) over ep 0 (50), ep 1 (0) and ep 3 (aborted); ep 0 over ep 1 and ep 3; ep 1 over ep 3;
    # but 2 over 0 is the same pair of replies as 2 over 1, and 1 over 3 the same as 0 over 3.
    assert set(by_episodes) == {(2, 1), (2, 3), (0, 1), (0, 3)}
    assert result.counts["duplicate pairs dropped"] == 2
    source = {r["episode"]: r["messages"]["guesser"] for r in recs if r["instance"] == "a"}
    for (good, bad), row in by_episodes.items():
        p = len(row["prompt"])
        assert source[good][:p] == row["prompt"] == source[bad][:p]
        assert row["chosen"] == [source[good][p]] and row["rejected"] == [source[bad][p]]
        assert source[good][p] != source[bad][p] and row["prompt"][-1]["role"] != "assistant"
        assert row["main"] == recs[good]["scores"]["main"] and row["rejected_outcome"] == recs[bad]["outcome"]
    assert by_episodes[(0, 1)]["chosen"] == [bot("GUESS: winter")]
    assert by_episodes[(0, 1)]["turn"] == 1 and by_episodes[(2, 1)]["turn"] == 0


def test_turn_pairs_need_replies_to_the_same_prompt_and_a_score_gap(tmp_path):
    recs = [record("a", 0, "win", 100.0, [SYSTEM, user("clue one"), bot("GUESS: x")]),
            record("a", 1, "lose", 0.0, [SYSTEM, user("clue two"), bot("GUESS: x")]),
            record("a", 2, "lose", 0.0, [SYSTEM, user("clue one"), bot("GUESS: y")])]
    result = run_export(tmp_path, "dpo", recs)
    assert [(r["episode"], r["rejected_episode"]) for r in result.rows] == [(0, 2)]
    assert result.counts["no pair: they part at a game message, not a reply"] == 1
    assert result.counts["no pair: equal scores"] == 1


def test_episode_pairs_keep_whole_continuations(tmp_path):
    result = run_export(tmp_path, "dpo", criteria=Criteria(roles=("guesser",)), level="episode")
    row = next(r for r in result.rows if (r["episode"], r["rejected_episode"]) == (0, 1))
    recs = guessing_records()
    assert row["prompt"] == recs[0]["messages"]["guesser"][:4]
    assert row["chosen"] == recs[0]["messages"]["guesser"][4:]
    assert row["rejected"] == recs[1]["messages"]["guesser"][4:] and len(row["rejected"]) == 3
    assert row["level"] == "episode"


def test_pairs_are_bounded_deterministic_and_honour_min_score(tmp_path):
    first = run_export(tmp_path, "dpo", max_pairs=2, criteria=Criteria(roles=("guesser",)))
    again = run_export(tmp_path, "dpo", max_pairs=2, criteria=Criteria(roles=("guesser",)))
    assert first.rows == again.rows and len(first.rows) == 2
    # the widest score gaps first: both pairs against the aborted episode, best chosen first
    assert [(r["episode"], r["rejected_episode"]) for r in first.rows] == [(2, 3), (0, 3)]
    assert first.counts["pairs over --max-pairs-per-instance"] == 2
    strict = run_export(tmp_path, "dpo", criteria=Criteria(roles=("guesser",), min_score=80))
    assert {r["episode"] for r in strict.rows} == {2}


def test_kto_labels_every_reply_by_success(tmp_path):
    result = run_export(tmp_path, "kto", criteria=Criteria(roles=("guesser",), games=("guess",)))
    rows = [(r["instance"], r["episode"], r["turn"], r["label"]) for r in result.rows]
    assert rows == [("a", 0, 0, True), ("a", 0, 1, True), ("a", 1, 0, False), ("a", 1, 1, False),
                    ("a", 1, 2, False), ("a", 2, 0, True), ("a", 3, 0, False), ("b", 0, 0, True)]
    row = result.rows[1]
    assert row["prompt"] == guessing_records()[0]["messages"]["guesser"][:4]
    assert row["completion"] == [bot("GUESS: winter")]
    scored = run_export(tmp_path, "kto", criteria=Criteria(roles=("guesser",), min_score=0))
    assert [r["label"] for r in scored.rows if r["episode"] == 1] == [True, True, True]


def test_kto_labels_only_the_divergent_replies_of_failed_siblings(tmp_path):
    shared = [SYSTEM, user("clue"), bot("GUESS: cold"), user("clue 2")]
    recs = [record("a", 0, "win", 50.0, shared + [bot("GUESS: winter")], branch=""),
            record("a", 0, "lose", 0.0, shared + [bot("GUESS: summer"), user("clue 3"), bot("GUESS: ice")],
                   branch="1"),
            record("a", 0, "win", 50.0, shared + [bot("GUESS: winter")], branch="2")]
    result = run_export(tmp_path, "kto", recs)
    rows = [(r["branch"], r["completion"][0]["content"], r["label"]) for r in result.rows]
    assert rows == [("", "GUESS: cold", True), ("", "GUESS: winter", True),
                    ("1", "GUESS: summer", False), ("1", "GUESS: ice", False)]
    assert result.counts["duplicate replies dropped"] == 2


def test_the_last_record_of_an_episode_counts(tmp_path):
    recs = guessing_records()[:1]
    retried = dict(recs[0], outcome="lose", scores={"main": 0.0, "reward": 0.0})
    result = run_export(tmp_path, "sft", recs + [retried], criteria=Criteria(outcomes=("win", "lose")))
    assert {r["outcome"] for r in result.rows} == {"lose"}


def test_unknown_names_are_refused(tmp_path):
    for criteria, message in ((Criteria(roles=("guessr",)), "did you mean 'guesser'"),
                              (Criteria(games=("taboo",)), "no episode of a game 'taboo'"),
                              (Criteria(outcomes=("won",)), "unknown outcome 'won'")):
        with pytest.raises(ExportError, match=message) as err:
            run_export(tmp_path, "sft", criteria=criteria)
        assert err.value.code == 2


def test_unreadable_runs(tmp_path):
    with pytest.raises(ExportError, match="no run folder") as err:
        load_runs([tmp_path / "missing"])
    assert err.value.code == 2
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "episodes.jsonl").write_text('{"game": "g", "experi')
    with pytest.raises(ExportError, match="no readable episode record") as err:
        load_runs([bad])
    assert err.value.code == 2
    empty = tmp_path / "empty"
    write_run(empty, [], meta={"games": {}})
    with pytest.raises(ExportError, match="no usable episode") as err:
        export([empty], ExportOptions("sft"))
    assert err.value.code == 1


def test_tool_call_messages_are_kept_as_they_are(tmp_path):
    call = {"role": "assistant", "content": None,
            "tool_calls": [{"type": "function", "function": {"name": "lookup", "arguments": "{\"w\": \"x\"}"}}]}
    result_msg = {"role": "tool", "name": "lookup", "content": "x is a season"}
    good = [SYSTEM, user("q"), call, result_msg, bot("GUESS: winter")]
    bad = [SYSTEM, user("q"), call, result_msg, bot("GUESS: summer")]
    recs = [record("a", 0, "win", 100.0, good), record("a", 1, "lose", 0.0, bad)]
    assert run_export(tmp_path, "sft", recs).rows[0]["messages"] == good
    (pair,) = run_export(tmp_path, "dpo", recs).rows
    assert pair["prompt"] == good[:4] and pair["prompt"][-1]["role"] == "tool" and pair["turn"] == 1
    kto = run_export(tmp_path, "kto", recs).rows
    assert [(r["completion"], r["label"]) for r in kto][:2] == [([call], True), ([bot("GUESS: winter")], True)]


def test_game_filter(tmp_path):
    recs = guessing_records() + [record("a", 0, "win", 100.0, [SYSTEM, user("q"), bot("x")], game="other")]
    rows = run_export(tmp_path, "sft", recs, criteria=Criteria(games=("other",))).rows
    assert [(r["game"], r["role"]) for r in rows] == [("other", "guesser")]
