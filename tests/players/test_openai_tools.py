"""The `openai:` player's native tool calling against a loopback server: `tools` sent, `tool_calls` read."""

from __future__ import annotations

import json
from pathlib import Path

from gamelang.compiler import compile_file
from gamelang.players import parse_spec
from gamelang.runtime.run import RunSettings, execute
from gamelang.runtime.runfolder import read_run
from tests.helpers.chat_server import ChatServer

BOOKING = Path(__file__).resolve().parents[2] / "examples" / "booking" / "booking.game"


def agent(messages: list[dict]):
    """Search, then book the first hotel found, then say DONE: in the server's native tool-call form."""
    last = messages[-1]
    if last["role"] == "user":
        call = {"name": "search_hotels", "arguments": json.dumps({"area": "north"})}
    elif last["role"] == "tool" and last["content"].startswith("["):
        call = {"name": "book_hotel", "arguments": json.dumps({"name": json.loads(last["content"])[0], "nights": 2})}
    else:
        return "DONE"
    return {"role": "assistant", "content": None,
            "tool_calls": [{"id": f"srv_{len(messages)}", "type": "function", "function": call}]}


def test_a_booking_episode_with_native_tool_calls(tmp_path):
    machine = compile_file(BOOKING).machine
    with ChatServer(agent) as server:
        execute([machine], RunSettings(out=tmp_path / "run", default_spec=parse_spec(f"openai:m@{server.url}")))
    record = next(iter(read_run(tmp_path / "run").latest().values()))
    assert record["outcome"] == "win" and record["scores"]["main"] == 100.0
    first = server.requests[0]["body"]
    assert [t["function"]["name"] for t in first["tools"]] == ["search_hotels", "book_hotel"]
    assert first["tools"][0]["function"]["parameters"]["required"] == ["area"]
    second = server.requests[1]["body"]["messages"]
    # the server gets its own call back (its id) and the result as a tool message
    assert second[-2]["tool_calls"][0]["id"] == "srv_2" and second[-2]["role"] == "assistant"
    assert second[-1] == {"role": "tool", "tool_call_id": "srv_2", "content": '["Cedar", "Alder"]'}
    logged = record["messages"]["agent"]
    assert [m["role"] for m in logged] == ["system", "user", "assistant", "tool", "assistant", "tool", "assistant"]
    assert logged[3]["name"] == "search_hotels"
