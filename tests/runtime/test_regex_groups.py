"""moves.search_groups (RE2 called directly) gives the groups that RE2's Python wrapper gives."""

import pytest

from gamelang.lang import moves
from gamelang.lang.moves import compile_regex, search_groups

CASES = [
    (r"^CLUE:\s*(?P<text>.+)$", "s", "CLUE: It has 5 letters"),
    (r"^CLUE:\s*(?P<text>.+)$", "s", "CLUE: naïve café — “quoted” 🎲 end"),
    (r"^CLUE:\s*(?P<text>.+)$", "s", "no clue here"),
    (r"(?P<a>x)?(?P<b>y*)z", "", "ééé z"),  # a group that takes no part, an empty group
    (r"(?P<word>\w+)\s+(?P<n>\d+)", "i", "日本語 テキスト 42 and more"),
    (r"(?P<w>ß+)", "i", "straße STRASSE"),
    (r"", "", ""),
    (r"(?P<x>b)", "m", "a\nb\nc"),
]


@pytest.mark.parametrize("pattern,flags,text", CASES)
def test_same_groups_as_the_wrapper(pattern, flags, text):
    regex = compile_regex(pattern, flags)
    numbers = tuple(range(regex.groups + 1))
    m = regex.search(text)
    expected = None if m is None else [m.group(n) for n in numbers]
    assert search_groups(regex, text, numbers) == expected


def test_the_public_api_is_used_when_the_wrapper_has_no_matcher(monkeypatch):
    monkeypatch.setattr(moves, "_RE2_UNANCHORED", None)
    regex = compile_regex(r"^GUESS:\s*(?P<word>.*)$", "s")
    assert search_groups(regex, "GUESS: pâté", (0, 1)) == ["GUESS: pâté", "pâté"]
    assert search_groups(regex, "guess", (1,)) is None


def test_a_move_parses_typed_groups_and_reports_a_bad_one():
    from gamelang.lang.spec import Move

    move = Move.model_validate({"by": "p", "regex": r"^(?P<n>\S+) (?P<rest>.*)$", "types": {"n": "int"}})
    parser = moves.MoveParser("m", move)
    ok = parser.parse("  12 ünïcode rest ")
    assert ok.ok and ok.value == {"n": 12, "rest": "ünïcode rest"}
    bad = parser.parse("twelve rest")
    assert not bad.ok and bad.error == "group 'n' is 'twelve', not a int"
    assert parser.parse("").error == f"the reply does not match {parser.describe()}"


@pytest.mark.parametrize("pattern,flags,text", CASES + [
    (r"^explanation:(?P<e>[^\n]*)\n(?P<before>x)?guess:(?P<word>.*)$", "", "explanation: é\nguess: crane"),
    (r"^explanation:(?P<e>[^\n]*)\n(?P<before>x)?guess:(?P<word>.*)$", "", "explanation: a\nxguess: pilot "),
])
def test_a_text_move_is_parsed_as_the_general_path_parses_it(pattern, flags, text):
    from gamelang.lang.spec import Move

    parser = moves.MoveParser("m", Move.model_validate({"by": "p", "regex": pattern, "flags": flags}))
    assert parser._parse_fast is not None  # every field is text: the written-out parser
    for reply in (text, f"  {text}\n", "", "🎲"):
        fast, general = parser.parse(reply), parser._parse_regex(reply)
        assert (fast.ok, fast.value, fast.error) == (general.ok, general.value, general.error)
