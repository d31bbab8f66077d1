"""Tools: `tool NAME(args) "description"`, tool moves, `result`, the chat tool-calling shape (issue 11, part 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gamelang.compiler import compile_file
from gamelang.instances import load_instances
from gamelang.lang.loader import load_spec_text
from gamelang.runtime.episode import GameEnv
from gamelang.validate import validate_paths
from tests.conftest import play

BOOKING = Path(__file__).resolve().parents[2] / "examples" / "booking" / "booking.game"


@pytest.fixture(scope="module")
def booking():
    result = compile_file(BOOKING)
    assert result.ok and not result.diagnostics, result.render()
    return result.machine


def reference_episode(machine) -> GameEnv:
    env = GameEnv(machine)
    env.reset(load_instances(machine)[0])
    while not env.done:
        env.step(machine.reference_player(env.waiting_for).reply.render(env.player_context(env.waiting_for)))
    return env


def test_the_reference_player_books_the_cheapest_hotel(booking):
    env = reference_episode(booking)
    assert env.outcome == "win" and env.scores["main"] == 100.0
    assert env.state.paid == ["search_hotels", "book_hotel"]
    assert [r["key"] for r in env.scores["partial_rewards"]] == ["search_hotels", "book_hotel"]


def test_the_examples_reference_team_wins_every_instance(booking):
    for instance in load_instances(booking):
        env = GameEnv(booking)
        env.reset(instance)
        while not env.done:
            env.step(booking.reference_player(env.waiting_for).reply.render(env.player_context(env.waiting_for)))
        assert env.outcome == "win" and env.scores["main"] == 100.0, instance.id


def test_the_conversation_is_logged_in_the_chat_tool_calling_shape(booking):
    messages = reference_episode(booking).record()["messages"]["agent"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "tool", "assistant", "tool", "assistant"]
    call = messages[2]["tool_calls"][0]
    assert call == {"id": "call_2_0", "type": "function",
                    "function": {"name": "search_hotels", "arguments": '{"area": "north"}'}}
    assert messages[3] == {"role": "tool", "tool_call_id": "call_2_0", "name": "search_hotels",
                           "content": '["Cedar", "Alder"]'}
    assert json.loads(messages[4]["tool_calls"][0]["function"]["arguments"]) == {"name": "Cedar", "nights": 2}
    assert messages[5]["content"] == "booked Cedar for 2 nights"
    assert "search_hotels: Find hotels in an area" in messages[0]["content"]
    assert '"required": ["area"]' in messages[0]["content"]


@pytest.mark.parametrize("reply, error", [
    ("I will search", 'the reply holds no tool call: expected {"name": TOOL, "arguments": {...}}'),
    ('{"name": "search_hotel", "arguments": {}}',
     "unknown tool 'search_hotel'; did you mean 'search_hotels'? (tools: search_hotels, book_hotel)"),
    ('{"name": "search_hotels", "arguments": {}}', "search_hotels: missing argument 'area' (arguments: area, max_price?)"),
    ('{"name": "search_hotels", "arguments": {"area": "n", "maxprice": 3}}',
     "search_hotels: unknown argument 'maxprice'; did you mean 'max_price'? (arguments: area, max_price?)"),
    ('{"name": "book_hotel", "arguments": {"name": "A", "nights": "two"}}',
     "book_hotel: argument 'nights' must be int: Input should be a valid integer, unable to parse string as an integer"),
    ('{"arguments": {}}', 'the tool call has no "name": expected {"name": TOOL, "arguments": {...}}'),
    ('{"name": "book_hotel", "arguments": "{not json"}', "book_hotel: the arguments are not valid JSON"),
])
def test_a_bad_call_fails_to_parse_with_a_precise_message(booking, reply, error):
    result = booking.moves["call"].parse(reply)
    assert not result.ok and result.error == error


@pytest.mark.parametrize("reply", [
    '{"name": "search_hotels", "arguments": {"area": "north", "max_price": 100}}',
    '<tool_call>\n{"name": "search_hotels", "arguments": {"area": "north", "max_price": 100}}\n</tool_call>',
    '```json\n{"name": "search_hotels", "parameters": {"area": "north", "max_price": 100}}\n```',
    '{"type": "function", "function": {"name": "search_hotels", "arguments": "{\\"area\\": \\"north\\", '
    '\\"max_price\\": 100}"}}',
])
def test_the_text_forms_of_a_call(booking, reply):
    result = booking.moves["call"].parse(reply)
    assert result.ok, result.error
    assert result.value["name"] == "search_hotels" and result.value["given"] == ["area", "max_price"]
    assert result.value["search_hotels"] == {"area": "north", "max_price": 100}
    assert result.value["book_hotel"] == {"name": "", "nights": 0}


def test_a_failed_call_is_reprompted_and_the_episode_goes_on(booking):
    data = load_instances(booking)[0].data
    env = play(booking, ['{"name": "search", "arguments": {}}', '{"name": "search_hotels", "arguments": {"area": "south"}}',
                         '{"name": "book_hotel", "arguments": {"name": "Birch", "nights": 1}}', "DONE"], data)
    assert env.outcome == "win" and env.scores["main"] == 0.0  # booked, but not the cheapest in the north
    reprompt = next(e for e in env.events if e["type"] == "reprompt")
    assert "unknown tool 'search'" in reprompt["reason"]


TOOLS_YAML = """
game: {name: t, version: 1}
tools:
  search: {description: Search, args: {query: str, limit: {type: int, optional: true}}}
  book: {args: {name: str}}
roles: {a: {intro: hi}}
moves:
  call: {by: a, tool: all}
  calls: {by: a, tool: [search], each: item}
states:
  s:
    - ask: a
    - parse: call
    - result: call
      message: done
    - ask: a
    - parse: calls
    - end: win
"""

TOOLS_GAME = """
game t { version 1 }
tool search(query: str, limit?: int) "Search"
tool book(name: str)
role a { intro "hi" }
move call by a = tool
move calls by a = each item tool [search]
state s { ask a parse call result call "done" ask a parse calls end win }
"""


def test_yaml_and_game_forms_agree_and_parallel_calls_parse(tmp_path):
    a, b = load_spec_text(TOOLS_GAME), load_spec_text(TOOLS_YAML, "t.game.yaml")
    assert not a.diags.has_errors and not b.diags.has_errors, b.diags.items
    assert a.spec == b.spec
    from tests.conftest import compile_text

    m = compile_text(TOOLS_GAME, tmp_path)
    env = play(m, ['{"name": "book", "arguments": {"name": "x"}}',
                   '[{"name": "search", "arguments": {"query": "a"}}, {"name": "search", "arguments": {"query": "b"}}]'])
    assert env.outcome == "win"
    last = env.record()["messages"]["a"][-1]
    assert [c["function"]["arguments"] for c in last["tool_calls"]] == ['{"query": "a"}', '{"query": "b"}']
    assert [c["id"] for c in env.env["calls"]] == ["call_3_0", "call_3_1"]


def test_tool_mistakes_have_codes(tmp_path):
    path = tmp_path / "g.game"
    path.write_text("""
game t { version 1 }
tool search(query: str)
tool name(x: str)
role a { intro "hi" }
move call by a = tool [serch]
move other by a = regex /(?P<x>.*)/
state s { ask a parse other result other "x" end win }
""")
    found = [(d.code, d.message) for r in validate_paths([path]).reports for d in r.diagnostics]
    assert ("GL0033", "the tool name 'name' is a field of every tool call (name, id, given)") in found
    assert ("GL0041", "undefined tool 'serch'") in found
    assert ("GL0041", "`result` answers one tool call, but move 'other' is a regex move") in found


def test_an_argument_given_twice_is_a_duplicate(tmp_path):
    loaded = load_spec_text('game t { version 1 }\ntool search(query: str, query: int)\n')
    assert [(d.code, d.message) for d in loaded.diags.items] == [
        ("GL0008", "tool 'search' has two arguments named 'query'")]


def test_tool_results_show_in_transcripts(booking):
    from gamelang.transcript import _items

    items = _items(reference_episode(booking).record())
    assert {"kind": "to", "role": "agent (tool search_hotels)", "text": '["Cedar", "Alder"]'} in items


def test_the_arguments_of_tools_not_called_are_their_defaults_in_new_containers(tmp_path):
    from tests.conftest import compile_text

    m = compile_text(TOOLS_GAME.replace('tool book(name: str)', 'tool book(name: str, tags?: list[str], at?: float)'),
                     tmp_path)
    parser = m.moves["call"]
    first, second = (parser.parse('{"name": "search", "arguments": {"query": "q"}}').value for _ in range(2))
    assert first["book"] == {"name": "", "tags": [], "at": 0.0} and first["search"] == {"query": "q", "limit": 0}
    assert first["book"]["tags"] is not second["book"]["tags"] and first["book"] is not second["book"]
    booked = parser.parse('{"name": "book", "arguments": {"name": "x"}}').value
    assert booked["search"] == {"query": "", "limit": 0} and booked["search"] is not first["search"]
