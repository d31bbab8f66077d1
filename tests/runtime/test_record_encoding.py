"""Records are written as ``json.dumps(record, ensure_ascii=False, default=str)`` writes them.

runfolder's ``_dumps`` writes through ujson where that gives the same text and leaves the rest
to json; these tests hold it to json's text (or json's error) on every shipped game's records and
on values built to find where the two encoders differ.
"""

from __future__ import annotations

import enum
import json
import math
import random
import struct
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from gamelang.compiler import compile_file
from gamelang.runtime import runfolder
from gamelang.runtime.run import RunSettings, execute
from tests.conftest import ROOT


def _json(value):
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except Exception as err:  # noqa: BLE001 - the kind of error is what must match
        return type(err)


def _ours(value):
    try:
        return runfolder._dumps(value)
    except Exception as err:  # noqa: BLE001
        return type(err)


def _nested(depth: int, inner=1):
    for _ in range(depth):
        inner = [inner] if depth % 2 else {"k": inner}
    return inner


class Colour(enum.Enum):
    RED = 1


class Size(enum.IntEnum):
    BIG = 3


class Name(str, enum.Enum):
    ADA = "ada"


class Shown:
    def __str__(self) -> str:
        return "shown"


class Broken:
    def __str__(self) -> str:
        raise ValueError("no text")


def _cycle():
    loop: list = []
    loop.append(loop)
    return {"a": loop}


VALUES = [
    # numbers json and ujson could spell differently
    1e-5, 2.5e-7, -9.99e-9, 1e-10, 1.2e-300, 5e-324, 1e-4, 1e16, 1e22, -1.5e300, 0.1, 1 / 3, -0.0,
    [1e-5, "x"], {"lr": 3e-6, "text": "1e-5 is a learning rate"}, "model-1e-5", {"a": "e-5"},
    float("nan"), float("inf"), -math.inf, [1.0, float("nan")], {"m": math.inf},
    2**63, -(2**63) - 1, 2**64, 10**300, 10**5000,
    # texts
    "\x00\x1f\x7f\u2028\u2029\"\\/", "é\U0001F600", "\ud800", {"\udc00": 1}, "a\nb\tc\rd\x08\x0c",
    # keys json turns into text
    {1: "a", 2.5: "b", True: "c", None: "d"},
    # values json writes through str()
    Shown(), Broken(), {1, 2}, b"bytes", Colour.RED, Size.BIG, Name.ADA,
    type("Text", (str,), {})("sub"), type("Whole", (int,), {})(7), type("Real", (float,), {})(0.5),
    type("Map", (dict,), {})(a=1), type("Items", (list,), {})([1, 2]), (1, "tuple"),
    # nesting around the depth json can write and read back, and a cycle
    _nested(50), _nested(899), _nested(950), _nested(990), _nested(1000), _nested(1023), _nested(1100), _cycle(),
    [{}] * 1000, "[" * 2000,
]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_a_value_is_written_as_json_writes_it(value):
    assert _ours(value) == _json(value)


def test_values_no_game_makes_are_still_written_as_json_that_reads_back():
    # where ujson and json differ (docs/episodes.md): Python values that are not JSON's
    class Mapped:
        def toDict(self):
            return {"x": 1}

    for value, read in (({(1, 2): "tuple key"}, {"(1, 2)": "tuple key"}), (Decimal("1.5"), 1.5),
                        ({"m": Mapped()}, {"m": {"x": 1}})):
        assert json.loads(runfolder._dumps(value)) == read


def test_floats_and_whole_numbers_of_every_size():
    rnd = random.Random(14)
    values = []
    for _ in range(20_000):
        x = struct.unpack("<d", rnd.getrandbits(64).to_bytes(8, "little"))[0]
        values.append(x)
        values.append(round(rnd.uniform(-1000, 1000), rnd.randint(0, 12)) * 10.0 ** rnd.randint(-12, 18))
        values.append(rnd.getrandbits(rnd.randint(1, 200)) * rnd.choice((1, -1)))
    for chunk in range(0, len(values), 500):
        part = values[chunk:chunk + 500]
        assert _ours(part) == _json(part)


def test_every_character_is_escaped_as_json_escapes_it():
    points = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(points), 8192):
        text = "".join(map(chr, points[start:start + 8192]))
        assert _ours(text) == _json(text)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=30)


@given(json_values)
@settings(max_examples=300, deadline=None)
def test_any_json_value_is_written_as_json_writes_it(value):
    assert _ours(value) == _json(value)


def test_without_ujson_json_writes_the_records(monkeypatch):
    monkeypatch.setattr(runfolder, "_ujson", None)
    for value in ([1e-5, "x", {"a": None}], float("nan"), _cycle(), "\ud800"):
        assert _ours(value) == _json(value)


def test_every_shipped_games_records_are_written_as_json_writes_them(tmp_path):
    games = sorted((ROOT / "games").glob("*/*.game"))
    assert len(games) >= 15
    written = 0
    for path in games:
        records: list[dict] = []
        execute([compile_file(Path(path)).machine], RunSettings(out=tmp_path / path.stem, limit=4),
                on_record=records.append)
        for record in records:
            text = runfolder._dumps(record)
            assert text == json.dumps(record, ensure_ascii=False, default=str), path.stem
            # and ujson wrote it: its checks do not send a game's plain records to json
            assert text == runfolder._ujson.dumps(record, ensure_ascii=False, escape_forward_slashes=False,
                                                  allow_nan=False, separators=(", ", ": "), default=str)
            written += 1
    assert written >= 60
