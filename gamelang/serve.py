"""`gamelang serve GAME`: one role of a game over HTTP, with OpenEnv's reset/step protocol.

A remote trainer plays the learner role; the other roles are played here by partners (player
specs). Endpoints (JSON in, JSON out):

- ``POST /reset`` ``{"seed": 1, "episode_id": "e1", "instance": "3"}`` (all optional) starts an
  episode and answers ``{"observation": {...}, "reward": null, "done": false}``;
- ``POST /step`` ``{"action": {"message": "GUESS: winter"}, "episode_id": "e1"}`` gives the
  learner's reply and answers ``{"observation": {...}, "reward": R, "done": D}``;
- ``GET /state[?episode_id=e1]``, ``GET /health``, ``GET /schema``, ``GET /metadata``.

An observation is ``{"text", "messages", "role", "done", "reward", "metadata"}``: the text the
learner was told since its last action, its whole chat, and at the end ``outcome``, ``reason`` and
``scores`` in ``metadata``. Without ``episode_id`` every request uses one default episode.

Bounded on purpose: it binds 127.0.0.1 unless told otherwise, refuses bodies over
``max_body`` bytes, keeps at most ``max_sessions`` live episodes (the least recently used one is
dropped) and starts at most ``max_episodes`` episodes in all when that is set. With an API key,
every request but ``/health`` needs ``Authorization: Bearer KEY`` (or ``X-API-Key: KEY``).
"""

from __future__ import annotations

import hmac
import json
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Mapping
from urllib.parse import parse_qs, urlparse

from .envs.driver import EnvError, GameDriver, load_game

DEFAULT_SESSION = "default"

ACTION_SCHEMA = {
    "type": "object",
    "properties": {"message": {"type": "string", "description": "the learner's reply, as a model would write it"},
                   "metadata": {"type": "object"}},
    "required": ["message"],
}
OBSERVATION_SCHEMA = {
    "type": "object",
    "properties": {"text": {"type": "string"}, "messages": {"type": "array"}, "role": {"type": ["string", "null"]},
                   "done": {"type": "boolean"}, "reward": {"type": ["number", "null"]}, "metadata": {"type": "object"}},
}
STATE_SCHEMA = {
    "type": "object",
    "properties": {"episode_id": {"type": ["string", "null"]}, "step_count": {"type": "integer"},
                   "game": {"type": "string"}, "instance": {"type": ["string", "null"]},
                   "done": {"type": "boolean"}},
}


class ServeError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class ServeSettings:
    role: str | None = None
    partners: Mapping[str, Any] | None = None
    default_partner: Any = None
    experiment: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    api_key: str | None = None
    max_body: int = 1_000_000  # bytes of one request
    max_sessions: int = 64  # live episodes kept at once
    max_episodes: int | None = None  # episodes started in all (None: no limit)


class _Session:
    def __init__(self, driver: GameDriver, episode_id: str) -> None:
        self.driver = driver
        self.episode_id = episode_id
        self.steps = 0


class GameService:
    """The sessions of a served game; thread-safe (one lock: the engine plays one request at a time)."""

    def __init__(self, game: Any, settings: ServeSettings) -> None:
        self.settings = settings
        self.machine = load_game(game)
        roles = list(self.machine.roles)
        partners = dict(settings.partners or {})
        role = settings.role or next((r for r in roles if r not in partners), roles[0])
        if role not in roles:
            raise EnvError(f"game '{self.machine.name}' has no role '{role}' (roles: {', '.join(roles)})")
        self.role = role
        self.partners = {r: p for r, p in partners.items() if r != role}
        self._make = lambda: GameDriver(self.machine, external=[role], partners=self.partners,
                                        default=settings.default_partner, experiment=settings.experiment,
                                        label="remote")
        self._make().close()  # a bad partner or instance set fails now, before the server starts
        self.sessions: OrderedDict[str, _Session] = OrderedDict()
        self.started = 0
        self.lock = threading.Lock()

    # ------------------------------------------------------------------ protocol
    def reset(self, body: dict) -> dict:
        seed = body.get("seed")
        if seed is not None and (type(seed) is not int or seed < 0):
            raise ServeError(422, "seed must be a whole number >= 0")
        episode_id = _episode_id(body)
        instance = body.get("instance")
        if instance is not None and not isinstance(instance, (str, int)):
            raise ServeError(422, "instance must be an instance id")
        with self.lock:
            limit = self.settings.max_episodes
            if limit is not None and self.started >= limit:
                raise ServeError(429, f"this server plays at most {limit} episodes")
            session = self.sessions.pop(episode_id, None)
            if session is None:
                session = _Session(self._make(), episode_id)
            self.sessions[episode_id] = session
            while len(self.sessions) > self.settings.max_sessions:
                _, dropped = self.sessions.popitem(last=False)
                dropped.driver.close()
            rng = random.Random(seed)
            try:
                inst = session.driver.instance(None if instance is None else str(instance), rng)
            except EnvError as err:
                raise ServeError(422, str(err)) from None
            session.driver.reset(inst, seed=rng.randrange(2**31))
            session.steps = 0
            self.started += 1
            return self._result(session, None)

    def step(self, body: dict) -> dict:
        action = body.get("action")
        if not isinstance(action, dict):
            raise ServeError(422, 'a step needs "action": {"message": "..."}')
        message = action.get("message", action.get("text"))
        if not isinstance(message, str):
            raise ServeError(422, 'the action needs a "message" string')
        episode_id = _episode_id(body)
        with self.lock:
            session = self.sessions.get(episode_id)
            if session is None:
                raise ServeError(409, f"no episode '{episode_id}': POST /reset first")
            self.sessions.move_to_end(episode_id)
            driver = session.driver
            if driver.done:
                raise ServeError(409, "the episode is over: POST /reset to start another")
            driver.act(message)
            session.steps += 1
            reward = driver.partial_rewards(self.role) + (driver.final_reward() if driver.done else 0.0)
            return self._result(session, reward)

    def state(self, episode_id: str | None) -> dict:
        episode_id = episode_id or DEFAULT_SESSION
        with self.lock:
            session = self.sessions.get(episode_id)
            if session is None:
                return {"episode_id": None, "step_count": 0, "game": self.machine.name, "instance": None,
                        "done": False}
            env = session.driver.env
            return {"episode_id": episode_id, "step_count": session.steps, "game": self.machine.name,
                    "instance": env.instance.id if env else None, "done": bool(env and env.done)}

    def schema(self) -> dict:
        return {"action": ACTION_SCHEMA, "observation": OBSERVATION_SCHEMA, "state": STATE_SCHEMA}

    def metadata(self) -> dict:
        return {"name": f"gamelang:{self.machine.name}", "description": f"the role '{self.role}' of the gamelang "
                f"game '{self.machine.name}'", "version": self.machine.version, "roles": list(self.machine.roles),
                "role": self.role}

    def _result(self, session: _Session, reward: float | None) -> dict:
        driver = session.driver
        seen = driver.observe(self.role)
        done = driver.done
        meta = driver.info()
        meta["episode_id"] = session.episode_id
        observation = {"text": seen.text, "messages": seen.messages, "role": driver.asked, "done": done,
                       "reward": reward, "metadata": meta}
        return {"observation": observation, "reward": reward, "done": done}

    def close(self) -> None:
        with self.lock:
            for session in self.sessions.values():
                session.driver.close()
            self.sessions.clear()


def _episode_id(body: dict) -> str:
    value = body.get("episode_id")
    if value is None:
        return DEFAULT_SESSION
    if not isinstance(value, str) or not value or len(value) > 255:
        raise ServeError(422, "episode_id must be a string of 1 to 255 characters")
    return value


def make_handler(service: GameService) -> type[BaseHTTPRequestHandler]:
    settings = service.settings

    class Handler(BaseHTTPRequestHandler):
        server_version = "gamelang-serve"
        protocol_version = "HTTP/1.1"
        timeout = 60  # seconds a connection may stay silent (a client that sends nothing is let go)

        def log_message(self, format: str, *args: Any) -> None:  # quiet: no line per request
            return

        def _send(self, status: int, payload: dict) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8", "replace")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if self.close_connection:
                # say so: a client that believes the connection reusable sends its next request into a closed socket
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            key = settings.api_key
            if not key:
                return True
            given = self.headers.get("X-API-Key") or ""
            auth = self.headers.get("Authorization") or ""
            if auth.lower().startswith("bearer "):
                given = auth[7:].strip()
            return hmac.compare_digest(given.encode("utf-8", "replace"), key.encode("utf-8"))

        def _handle(self, action: Callable[[], dict]) -> None:
            try:
                self._send(200, action())
            except ServeError as err:
                self._send(err.status, {"error": str(err)})
            except Exception as err:  # a bug answers 500 and keeps the server up
                self._send(500, {"error": f"internal error: {type(err).__name__}: {err}"})

        def _body(self) -> dict:
            length = self.headers.get("Content-Length")
            if length is None:
                raise ServeError(411, "a Content-Length header is needed")
            try:
                size = int(length)
            except ValueError:
                raise ServeError(400, "bad Content-Length") from None
            if size < 0 or size > settings.max_body:
                self.close_connection = True  # the body is not read: the connection cannot be reused
                raise ServeError(413, f"the request body is over {settings.max_body} bytes")
            raw = self.rfile.read(size) if size else b"{}"
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                raise ServeError(400, "the body is not JSON") from None
            if not isinstance(body, dict):
                raise ServeError(400, "the body must be a JSON object")
            return body

        def do_GET(self) -> None:  # noqa: N802
            url = urlparse(self.path)
            if url.path == "/health":
                return self._send(200, {"status": "healthy"})
            if not self._authorised():
                return self._send(401, {"error": "a valid API key is needed"})
            query = parse_qs(url.query)
            routes: dict[str, Callable[[], dict]] = {
                "/state": lambda: service.state((query.get("episode_id") or [None])[0]),
                "/schema": service.schema,
                "/metadata": service.metadata,
            }
            if url.path not in routes:
                return self._send(404, {"error": f"no such endpoint: GET {url.path}"})
            self._handle(routes[url.path])

        def do_POST(self) -> None:  # noqa: N802
            url = urlparse(self.path)
            if not self._authorised():
                self.close_connection = True
                return self._send(401, {"error": "a valid API key is needed"})
            routes = {"/reset": service.reset, "/step": service.step}
            if url.path not in routes:
                self.close_connection = True
                return self._send(404, {"error": f"no such endpoint: POST {url.path}"})
            self._handle(lambda: routes[url.path](self._body()))

    return Handler


def make_server(game: Any, settings: ServeSettings) -> tuple[ThreadingHTTPServer, GameService]:
    """A server (not yet serving) and its service; port 0 picks a free port (``server.server_address``)."""
    service = GameService(game, settings)
    server = ThreadingHTTPServer((settings.host, settings.port), make_handler(service))
    server.daemon_threads = True
    return server, service
