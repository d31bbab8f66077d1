"""`gamelang serve`: OpenEnv's reset/step protocol over HTTP, bounded and keyed."""

from __future__ import annotations

import threading

import httpx
import pytest
from typer.testing import CliRunner

from gamelang.cli import app
from gamelang.serve import ServeSettings, make_server


@pytest.fixture
def served():
    started = []

    def start(game: str = "taboo", **options):
        server, service = make_server(game, ServeSettings(port=0, **options))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        started.append((server, service, thread))
        host, port = server.server_address[:2]
        return httpx.Client(base_url=f"http://{host}:{port}", timeout=30), service

    yield start
    for server, service, thread in started:
        server.shutdown()
        server.server_close()
        service.close()
        thread.join(timeout=10)


def test_reset_step_to_a_win(served):
    client, service = served(role="guesser")
    assert client.get("/health").json() == {"status": "healthy"}
    schema = client.get("/schema").json()
    assert set(schema) == {"action", "observation", "state"}
    result = client.post("/reset", json={"seed": 3, "instance": "0"}).json()
    assert result["done"] is False and result["reward"] is None
    obs = result["observation"]
    assert "CLUE:" in obs["text"] and obs["role"] == "guesser" and obs["messages"][0]["role"] == "user"
    assert client.get("/state").json()["step_count"] == 0
    result = client.post("/step", json={"action": {"message": "GUESS: winter"}}).json()
    assert result["done"] is True and result["reward"] > 0
    assert result["observation"]["metadata"]["outcome"] == "win"
    assert client.get("/state").json() == {"episode_id": "default", "step_count": 1, "game": "taboo",
                                           "instance": "0", "done": True}
    over = client.post("/step", json={"action": {"message": "GUESS: again"}})
    assert over.status_code == 409


def test_sessions_and_bounds(served):
    client, _ = served(max_sessions=2, max_episodes=4, max_body=2048)
    for name in ("a", "b", "c"):
        assert client.post("/reset", json={"episode_id": name, "seed": 1}).status_code == 200
    # "a" was the least recently used of three: dropped
    assert client.post("/step", json={"episode_id": "a", "action": {"message": "x"}}).status_code == 409
    assert client.post("/step", json={"episode_id": "c", "action": {"message": "GUESS: x"}}).status_code == 200
    assert client.post("/reset", json={"episode_id": "d"}).status_code == 200
    assert client.post("/reset", json={"episode_id": "e"}).status_code == 429  # 4 episodes in all
    too_big = client.post("/step", content=b"{" + b" " * 5000 + b"}", headers={"Content-Type": "application/json"})
    assert too_big.status_code == 413
    assert client.post("/step", content=b"not json").status_code == 400
    assert client.post("/step", json={"action": "GUESS: x"}).status_code == 422
    assert client.post("/reset", json={"seed": -1}).status_code == 422
    assert client.post("/nowhere", json={}).status_code == 404


def test_api_key(served):
    client, _ = served(api_key="s3cret")
    assert client.get("/health").status_code == 200  # health needs no key
    assert client.post("/reset", json={}).status_code == 401
    assert client.post("/reset", json={}, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.post("/reset", json={}, headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert client.get("/state", headers={"X-API-Key": "s3cret"}).status_code == 200


def test_cli_refuses_a_public_address_without_a_key():
    result = CliRunner().invoke(app, ["serve", "taboo", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "--api-key" in result.output
    result = CliRunner().invoke(app, ["serve", "taboo", "--partner", "nobody=scripted", "--port", "0"])
    assert result.exit_code == 2 and "no role 'nobody'" in result.output


def test_the_command_serves_until_stopped():
    import re
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "gamelang", "serve", "taboo", "--role", "guesser", "--port", "0",
                             "--api-key", "k"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        line = proc.stderr.readline()
        url = re.search(r"http://\S+", line).group(0)
        assert url.startswith("http://127.0.0.1:")
        client = httpx.Client(base_url=url, timeout=30, headers={"Authorization": "Bearer k"})
        result = client.post("/reset", json={"instance": "0"}).json()
        assert "CLUE:" in result["observation"]["text"]
        assert client.post("/step", json={"action": {"message": "GUESS: winter"}}).json()["done"] is True
    finally:
        proc.terminate()
        proc.wait(timeout=30)
