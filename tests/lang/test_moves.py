"""Move parsers: regex (RE2), choice and JSON."""

import time

import pytest

from gamelang.lang.moves import MoveError, MoveParser, compile_regex
from gamelang.lang.spec import Move


def parser(**kw) -> MoveParser:
    return MoveParser("m", Move.model_validate({"by": "a", **kw}))


def test_regex_named_groups_become_fields():
    p = parser(regex=r"^GUESS:\s*(?P<word>\w+)$", flags="i")
    assert str(p.type) == "{word: str}"
    assert p.parse("  guess: apple ").value == {"word": "apple"}
    assert not p.parse("I think apple").ok


def test_regex_groups_can_be_typed():
    p = parser(regex=r"(?P<n>\d+) (?P<ok>\w+)", types={"n": "int", "ok": "bool"})
    assert p.parse("12 yes").value == {"n": 12, "ok": True}
    result = p.parse("12 maybe")
    assert not result.ok and "not a bool" in result.error


def test_unmatched_optional_group_is_empty_text():
    assert parser(regex=r"a(?P<x>b)?").parse("a").value == {"x": ""}


def test_backtracking_regexes_are_refused():
    with pytest.raises(MoveError, match="RE2"):
        compile_regex(r"(a)\1")
    with pytest.raises(MoveError):
        compile_regex(r"(?<=a)b")


def test_matching_is_linear_on_adversarial_input():
    # (a+)+$ is catastrophic for a backtracking engine on 'aaaa...b'; RE2 does not care
    p = parser(regex=r"^(a+)+$")
    reply = "a" * 50_000 + "b"
    start = time.perf_counter()
    assert not p.parse(reply).ok
    assert time.perf_counter() - start < 5  # generous: a backtracking engine would not finish


def test_choice_ignores_case_space_and_final_punctuation():
    p = parser(choice=["First", "Second", "Third"])
    assert p.parse(" second. ").value == {"value": "Second", "index": 1}
    assert not p.parse("the second one").ok


def test_json_object_with_schema():
    p = parser(json={"name": "str", "arguments": "map[str, str]"})
    ok = p.parse('```json\n{"name": "book", "arguments": {"day": "monday"}, "extra": 1}\n```')
    assert ok.value == {"name": "book", "arguments": {"day": "monday"}}
    assert "does not fit" in p.parse('{"name": 3, "arguments": {}}').error
    assert "no JSON object" in p.parse("no json here").error
    assert "invalid" in p.parse("{not json}").error
    assert not p.parse("[1, 2]").ok
