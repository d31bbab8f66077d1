"""Instance files read line by line give what ``json.loads`` gives each line, or its error."""

from __future__ import annotations

import json
import math

import pytest

from gamelang.instances import InstanceError, read_records

LINES = [
    '{"a": 1}', '  {"a": 1}  ', '\t[1, 2]\r', '"text"', "1e5", "-0.0", "NaN", '{"a": NaN, "b": -Infinity}',
    '{"a": "\\ud800"}', '{"é": "ü", "x": [true, false, null]}', "12345678901234567890",
    # errors: each must be reported as json.loads words it
    '\ufeff{"a": 1}', '{"a": 1} x', '{"a": 1}{"b": 2}', "[1, 2", "tru", '{"a": 1,}', "'a'", "[" * 50_000,
    "1" * 5000, '{"a": 1} \u00a0',
]


def _expected(line: str):
    try:
        return [(1, json.loads(line))]
    except json.JSONDecodeError as err:
        return f"invalid JSON: {err.msg} (column {err.colno})"
    except RecursionError:
        return "invalid JSON: nested too deeply"
    except ValueError as err:
        return f"invalid JSON: {err}"


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("line", LINES)
def test_a_line_reads_as_json_loads_reads_it(tmp_path, line):
    path = tmp_path / "instances.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    expected = _expected(line)
    try:
        got = read_records(path)
    except InstanceError as err:
        assert err.problems == [(1, expected)]
    else:
        assert _same(got, expected)
