"""The write path's shortcuts give what the plain calls gave: the same record bytes, the same
error records, the same counts (issue 14, docs/performance.md)."""

from __future__ import annotations

import json
import math
from pathlib import Path

from gamelang.compiler import compile_file
from gamelang.instances import load_instances
from gamelang.registry import resolve_game
from gamelang.runtime.rollout import Assignment, EpisodeJob, RolloutEngine
from gamelang.runtime.runfolder import encode_record
from gamelang.runtime.scheduler import run_jobs
from gamelang.scoring import request_counts


def _plain(record: object) -> bytes:
    return (json.dumps(record, ensure_ascii=False, default=str) + "\n").encode("utf-8")


def _taboo_jobs(n: int) -> list[EpisodeJob]:
    machine = compile_file(resolve_game("taboo")).machine
    return [EpisodeJob(machine, inst, 0, i) for i, inst in enumerate(load_instances(machine)[:n])]


def test_records_encode_as_json_dumps_writes_them() -> None:
    records = [r.record for r in RolloutEngine(Assignment()).play(_taboo_jobs(6))]
    odd = {"floats": [0.1, 1e300, -0.0, math.inf, -math.inf, 1 / 3], "big": 10**40, "neg": -7,
           "text": "é ü 中 \n\t\"\\ \x00 \u2028", "none": None, "bool": [True, False], "tuple": (1, "a"),
           "object": Path("a/b"), "nested": {"a": [{"b": [[]]}, {}]}, 3: "int key", 1.5: "float key"}
    for record in records + [odd]:
        assert encode_record(record) == (_plain(record), 0)
    nan = encode_record({"x": math.nan})[0]
    assert nan == _plain({"x": math.nan}) == b'{"x": NaN}\n'


def test_a_cycle_gives_the_error_record_it_gave_before() -> None:
    record: dict = {"game": "g", "experiment": "e", "instance": "0", "episode": 0, "players": {}}
    record["events"] = [record]
    line, _ = encode_record(record)
    out = json.loads(line)
    assert out["outcome"] == "error"
    assert out["reason"] == "the episode's record could not be written: ValueError: Circular reference detected"


def test_nesting_too_deep_gives_an_error_record() -> None:
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    line, _ = encode_record({"game": "g", "experiment": "e", "instance": "0", "episode": 0, "events": deep})
    out = json.loads(line)
    assert out["outcome"] == "error" and "RecursionError" in out["reason"]


def test_lone_surrogates_are_still_replaced() -> None:
    line, replaced = encode_record({"text": "a\ud800b", "more": ["\udfff"]})
    assert replaced == 2 and json.loads(line) == {"text": "a\ufffdb", "more": ["\ufffd"]}


def test_play_without_keeping_hands_every_episode_on() -> None:
    seen: list[dict] = []
    kept = RolloutEngine(Assignment()).play(_taboo_jobs(5), concurrency=2, on_done=lambda r: seen.append(r.record),
                                            keep=False)
    assert kept == [] and len(seen) == 5
    records: list[dict] = []
    assert run_jobs(_taboo_jobs(5), Assignment(), 2, records.append) == 5
    assert [r["instance"] for r in records] == [r["instance"] for r in seen]


def test_request_counts_read_odd_events() -> None:
    ask = {"type": "ask", "role": "a"}
    assert request_counts([{"type": ["not", "hashable"]}, ask, {"type": "parse", "ok": False}, {"no": "type"},
                           {"type": "end", "outcome": "abort", "role": "a"}]) == (1, 0, 1)
    assert request_counts([{"type": "parse", "ok": False}, ask, {"type": "parse", "ok": True}]) == (1, 1, 0)
