"""`export --probes`: probe exchanges rebuilt from a record's events are what the role was sent."""

from __future__ import annotations

import json
from pathlib import Path

from gamelang.data.episodes import Episode
from gamelang.data.export import ExportOptions, export
from gamelang.data.probes import probe_exchanges, probe_kto_rows, probe_sft_rows
from gamelang.data.select import RoleView
from gamelang.runtime.episode import GameEnv
from tests.data.records import write_run
from tests.games._clemgames import instance, machine
from tests.games.test_privateshared import EXP, ID, episode


def play_seen(game: str, replies: list[str]) -> tuple[dict, list[tuple[bool, list[dict], str]]]:
    """Play the replies; the record, and for each request (is it a probe, the messages sent, the reply)."""
    env = GameEnv(machine(game))
    turn = env.reset(instance(game, EXP, ID), 0)
    seen = []
    for reply in replies:
        seen.append((turn.messages, reply))
        turn = env.step(reply)
    assert turn.done
    record = env.record()
    asks = [e for e in record["events"] if e["type"] == "ask"]
    assert len(asks) == len(seen)
    return record, [(bool(a.get("probe")), messages, reply) for a, (messages, reply) in zip(asks, seen)]


# a probe answered wrongly then again after its re-prompt, then a whole episode
REPLIES = ["ASIDE: maybe"] + episode()


def test_each_probe_reply_is_a_kto_row_whose_prompt_is_exactly_what_the_role_was_sent():
    record, seen = play_seen("privateshared", REPLIES)
    view = RoleView(Episode("run", record), "answerer")
    built = probe_kto_rows([view])
    probes = [(messages, reply) for probe, messages, reply in seen if probe]
    assert len(probes) == 31  # 30 probes and one re-prompt inside the first
    assert [(r["prompt"], r["completion"]) for r in built.rows] == \
        [(messages, [{"role": "assistant", "content": reply}]) for messages, reply in probes]
    assert all(r["label"] is True and r["source"] == "probe" and r["outcome"] == "win" for r in built.rows)
    # the re-prompt is asked inside the probe: its prompt holds the wrong answer and the re-prompt
    assert built.rows[1]["prompt"][-2:] == [{"role": "assistant", "content": "ASIDE: maybe"},
                                            built.rows[1]["prompt"][-1]]


def test_each_probe_exchange_is_an_sft_conversation():
    record, seen = play_seen("privateshared", REPLIES)
    exchanges = probe_exchanges(record, "answerer")
    assert len(exchanges) == 30
    first = exchanges[0]  # asked before the first request: the pending instructions and the question
    assert [m["role"] for m in first.messages] == ["user", "assistant", "user", "assistant"]
    assert first.messages[0] == seen[0][1][-1] and first.messages[-1]["content"] == "ASIDE: no"
    rows = probe_sft_rows([RoleView(Episode("run", record), "answerer")]).rows
    assert [r["messages"] for r in rows] == [e.messages for e in exchanges]
    conversation = record["messages"]["answerer"]
    for exchange in exchanges[5:]:  # later probes come after the conversation so far, unchanged
        assert exchange.messages[:exchange.start] == conversation[:exchange.start]
        assert exchange.messages[exchange.start]["content"].startswith("ME:")


def test_a_role_never_probed_and_a_probe_never_answered_make_no_row():
    record, _ = play_seen("privateshared", REPLIES)
    assert probe_exchanges(record, "questioner") == []
    cut = dict(record, events=[e for e in record["events"] if not (e["type"] == "reply" and e.get("probe"))])
    assert probe_exchanges(cut, "answerer") == []


def test_export_adds_probe_rows_only_when_asked_and_leaves_the_other_rows_alone(tmp_path: Path):
    record, _ = play_seen("privateshared", REPLIES)
    run = write_run(tmp_path / "run", [record])
    for fmt in ("sft", "kto"):
        plain = export([run], ExportOptions(fmt)).rows
        both = export([run], ExportOptions(fmt, probes=True)).rows
        assert not any("source" in r for r in plain)
        assert [r for r in both if "source" not in r] == plain
        added = [r for r in both if "source" in r]
        assert added and all(r["source"] == "probe" and r["role"] == "answerer" for r in added)
        assert json.dumps(both[:len(plain)]) == json.dumps(plain)


def test_a_probe_leaves_out_the_unanswered_user_message_its_own_message_repeats():
    # the role was told "Q1" and probed before answering: the probe's message starts with it
    record = {"messages": {"r": [{"role": "system", "content": "S"}, {"role": "user", "content": "Q1\n\nlater"}]},
              "events": [{"type": "ask", "role": "r", "probe": True, "prompt_messages": 2, "message": "Q1\n\nsure?"},
                         {"type": "reply", "role": "r", "probe": True, "text": "yes"}]}
    [exchange] = probe_exchanges(record, "r")
    assert exchange.messages == [{"role": "system", "content": "S"}, {"role": "user", "content": "Q1\n\nsure?"},
                                 {"role": "assistant", "content": "yes"}]
    assert (exchange.start, exchange.at) == (1, 2)
