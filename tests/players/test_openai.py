"""The `openai:` player over real HTTP against a loopback OpenAI-compatible server."""

from __future__ import annotations

import pytest

from gamelang.compiler import compile_file
from gamelang.players import PlayerSpecError, parse_spec
from gamelang.registry import resolve_game
from gamelang.runtime.run import RunSettings, execute
from gamelang.runtime.runfolder import read_run
from tests.helpers.chat_server import ChatServer


@pytest.fixture(scope="module")
def taboo():
    return compile_file(resolve_game("taboo")).machine


def run_taboo(taboo, tmp_path, spec: str, limit: int = 3, concurrency: int = 4):
    settings = RunSettings(out=tmp_path / "run", limit=limit, concurrency=concurrency, default_spec=parse_spec(spec))
    execute([taboo], settings)
    return list(read_run(tmp_path / "run").latest().values())


def test_episodes_are_played_through_the_server(taboo, tmp_path, monkeypatch):
    monkeypatch.setenv("MY_KEY", "secret")
    with ChatServer() as server:
        records = run_taboo(taboo, tmp_path, f"openai:test-model@{server.url}?api_key_env=MY_KEY&temperature=0.5")
    first = next(r for r in records if r["instance"] == "0")
    assert first["outcome"] == "win"
    assert first["players"] == {"describer": f"openai:test-model@{server.url}?api_key_env=MY_KEY&temperature=0.5"} | {
        "guesser": f"openai:test-model@{server.url}?api_key_env=MY_KEY&temperature=0.5"}
    body = server.requests[0]["body"]
    assert body["model"] == "test-model" and body["temperature"] == 0.5
    assert body["max_tokens"] == 100  # taboo's reply_tokens limit
    assert body["messages"][0]["role"] == "user"
    assert server.requests[0]["auth"] == "Bearer secret"


def test_transient_failures_are_retried(taboo, tmp_path):
    with ChatServer() as server:
        server.fail_next = 2
        server.fail_status = 503
        records = run_taboo(taboo, tmp_path, f"openai:m@{server.url}?retries=3", limit=1, concurrency=1)
    assert records[0]["outcome"] == "win"


def test_a_failing_backend_gives_error_episodes_and_the_run_goes_on(taboo, tmp_path):
    with ChatServer() as server:
        server.always_fail = True
        records = run_taboo(taboo, tmp_path, f"openai:m@{server.url}?retries=1", limit=3)
    assert len(records) == 3
    assert all(r["outcome"] == "error" for r in records)
    assert all("HTTP 500" in r["reason"] for r in records)


def test_timeouts_and_non_completions_are_errors(taboo, tmp_path):
    with ChatServer(delay=0.5) as server:
        records = run_taboo(taboo, tmp_path / "slow", f"openai:m@{server.url}?timeout=0.1&retries=0", limit=1)
    assert records[0]["outcome"] == "error" and "Timeout" in records[0]["reason"]
    with ChatServer() as server:
        server.garbage = True
        records = run_taboo(taboo, tmp_path / "garbage", f"openai:m@{server.url}", limit=1)
    assert records[0]["outcome"] == "error" and "not a chat completion" in records[0]["reason"]


def test_nothing_listening_is_an_error_outcome(taboo, tmp_path):
    records = run_taboo(taboo, tmp_path, "openai:m@http://127.0.0.1:9/v1?retries=0&timeout=2", limit=1)
    assert records[0]["outcome"] == "error"


@pytest.mark.parametrize("spec", ["openai:model-without-url", "openai:m@http://x?colour=blue", "hf:", "robot",
                                  "human:someone", "hf:x?temperature=hot"])
def test_bad_specs_are_refused_clearly(spec):
    with pytest.raises(PlayerSpecError):
        p = parse_spec(spec)
        p.option("temperature", 0.0, float)
