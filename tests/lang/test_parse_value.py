"""MoveParser.parse_value, the parse without its ParseResult that the interpreter's blocks call,
gives the record parse gives, and None exactly where parse gives an error: on the shipped games'
regex moves and on patterns with optional groups, flags and non-ASCII text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gamelang.compiler import compile_file
from gamelang.lang.moves import MoveParser
from gamelang.lang.spec import Move
from gamelang.registry import resolve_game


def _agree(parser: MoveParser, reply: str) -> None:
    result = parser.parse(reply)
    assert parser.parse_value(reply) == (result.value if result.ok else None), reply


PARSERS = [MoveParser("m", Move.model_validate({"by": "a", **kw})) for kw in (
    {"regex": r"^GUESS:\s*(?P<word>.*)$", "flags": "s"},
    {"regex": r"(?P<a>\w+)(?:-(?P<b>\w+))?", "flags": "i"},
    {"regex": r"^(?P<x>é+)?(?P<y>[a-z]*)$"},
    {"regex": r"^ok$", "flags": "m"},
)]
REPLIES = ["GUESS: word", "  GUESS:  Été \n", "guess: x", "", "abc-def", "ABC", "ééabc", "éé", "ok", "no\nok",
           "€-€", "\x00", "GUESS:\n\nmany\nlines"]


def test_every_text_regex_move_of_the_shipped_games_has_it():
    for game in ["taboo", "wordle", "wordle_withclue", "wordle_withcritic", "twenty_questions"]:
        machine = compile_file(resolve_game(game)).machine
        for parser in machine.moves.values():
            if parser.kind == "regex" and parser.move.each is None and all(t for _, _, t in parser.converted):
                assert parser.parse_value is not None, (game, parser.name)
                for reply in REPLIES + ["CLUE: a b", "explanation: x\nguess: crane", "explanation: x guess: a guess: b"]:
                    _agree(parser, reply)


def test_given_replies():
    for parser in PARSERS:
        assert parser.parse_value is not None
        for reply in REPLIES:
            _agree(parser, reply)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PARSERS), st.text(alphabet=st.sampled_from("GUESS: abcé€-\n\t"), max_size=12))
def test_random_replies(parser, reply):
    _agree(parser, reply)


def test_other_moves_have_none():
    for kw in ({"choice": ["a", "b"]}, {"json": {"n": "int"}}, {"regex": r"(?P<n>\d+)", "types": {"n": "int"}},
               {"regex": r"(?P<w>\w+)", "each": "match"}):
        assert MoveParser("m", Move.model_validate({"by": "a", **kw})).parse_value is None
