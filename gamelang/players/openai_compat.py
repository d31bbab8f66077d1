"""Players behind any OpenAI-compatible chat server (vLLM, llama.cpp, Ollama, ...).

``openai:MODEL@BASE_URL[?options]``, e.g. ``openai:llama3.1:8b@http://localhost:11434/v1``.
Requests of a round are sent concurrently (at most ``concurrency`` at once, default 8); each is
retried ``retries`` times (default 3) with exponential back-off on connection errors, time-outs
(``timeout`` seconds, default 60), HTTP 429 and 5xx. Other options: ``temperature`` (default 0),
``top_p``, ``max_tokens`` (default: the game's ``reply_tokens``), ``api_key_env`` (the environment
variable holding the key, default ``OPENAI_API_KEY``; no key is sent if it is unset).

``timeout`` bounds each attempt as a whole (connecting, sending, waiting and reading), not each
read: a server that trickles a byte now and then is cut off when the time is up. Responses are
limited to :data:`MAX_RESPONSE_BYTES`.
"""

from __future__ import annotations

import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from .base import Player, PlayerError, PlayerSpec, Request

RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
#: A chat completion larger than this is refused (a reply is a few kilobytes).
MAX_RESPONSE_BYTES = 64_000_000


class _Deadline(Exception):
    """The attempt ran past its time (``timeout`` seconds in all)."""


class _TooLarge(Exception):
    """The server sent more than :data:`MAX_RESPONSE_BYTES`."""


class OpenAIPlayer(Player):
    """Chat completions from an OpenAI-compatible server."""

    def __init__(self, spec: PlayerSpec) -> None:
        super().__init__(spec.text)
        # the first @ ends the model name (a base URL may hold user@host)
        self.model, _, base = spec.target.partition("@")
        self.url = base.rstrip("/") + "/chat/completions"
        self.temperature = spec.option("temperature", 0.0, float)
        self.top_p = spec.option("top_p", None, float)
        self.max_tokens = spec.option("max_tokens", None, int)
        self.retries = max(0, spec.option("retries", 3, int))
        self.concurrency = max(1, spec.option("concurrency", 8, int))
        self.timeout = max(0.001, spec.option("timeout", 60.0, float))
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(spec.option("api_key_env", "OPENAI_API_KEY"))
        if key:
            headers["Authorization"] = f"Bearer {key}"
        self.client = httpx.Client(timeout=self.timeout, headers=headers)
        self.backoff = 0.5

    def respond(self, requests: list[Request]) -> list[str | PlayerError]:
        if len(requests) == 1:
            return [self._one(requests[0])]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(requests))) as pool:
            return list(pool.map(self._one, requests))

    def _one(self, request: Request) -> str | PlayerError:
        sampling = request.sampling
        body = {"model": self.model, "messages": request.messages,
                "temperature": self.temperature if sampling.temperature is None else sampling.temperature,
                "max_tokens": sampling.max_tokens or self.max_tokens or request.max_tokens,
                # servers that honour it (vLLM, llama.cpp) then sample the same reply on a resumed run
                "seed": request.seed & 0x7FFF_FFFF}
        top_p = self.top_p if sampling.top_p is None else sampling.top_p
        if top_p is not None:
            body["top_p"] = top_p
        tools = request.view.tools if request.view is not None else ()
        if tools:  # native tool calling: the role's tools as the request's `tools`, read back from `tool_calls`
            body["tools"] = [{"type": "function", "function": t} for t in tools]
            body["messages"] = [{k: v for k, v in m.items() if k != "name"} if m.get("role") == "tool" else m
                                for m in request.messages]
        last = "no attempt"
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                status, data = self._attempt(body)
            except _Deadline:
                last = f"no complete answer within {self.timeout:g} s"
                continue
            except _TooLarge:
                return PlayerError(f"{self.url} sent more than {MAX_RESPONSE_BYTES:,} bytes")
            except httpx.HTTPError as err:
                last = f"{type(err).__name__}: {err}"
                continue
            text = data[:200].decode("utf-8", errors="replace")
            if status in RETRY_STATUS:
                last = f"HTTP {status}"
                continue
            if status != 200:
                return PlayerError(f"{self.url} answered HTTP {status}: {text}")
            return self._content(data, text)
        return PlayerError(f"{self.url} failed after {self.retries + 1} attempts: {last}")

    def _content(self, data: bytes, head: str) -> str | PlayerError:
        """The reply text of a chat completion; a missing or unusable content is the backend's error."""
        try:
            message = json.loads(data)["choices"][0]["message"]
            content = message.get("content")
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            return PlayerError(f"{self.url} sent a response that is not a chat completion: {head}")
        calls = message.get("tool_calls")
        if isinstance(calls, list) and calls:
            # the calls in the text form the game parses: one call as an object, several as a list
            # ({"id", "type", "function": {"name", "arguments"}}, exactly as the server sent them)
            return json.dumps(calls[0] if len(calls) == 1 else calls, ensure_ascii=False)
        if isinstance(content, str):
            return content
        if isinstance(content, list):  # content parts: the text parts, joined
            parts = [p.get("text") for p in content if isinstance(p, dict) and p.get("type", "text") == "text"]
            if parts and all(isinstance(p, str) for p in parts):
                return "".join(parts)
        refusal = message.get("refusal") if isinstance(message, dict) else None
        why = f"a refusal: {str(refusal)[:200]}" if refusal else f"content {json.dumps(content)[:100]}"
        # not the player's move: scoring it as an `abort` would blame the model for the backend
        return PlayerError(f"{self.url} sent a chat completion without text ({why})")

    def _attempt(self, body: dict[str, Any]) -> tuple[int, bytes]:
        """One POST, bounded in total time; (status, body bytes).

        httpx's timeouts bound each network operation, so a server that trickles bytes could hold
        a request forever. The request runs in a helper thread that checks the deadline after
        every chunk it reads, and this thread waits for it only until the deadline: even a server
        that trickles its headers cannot hold the run (the helper ends at its next read).
        """
        deadline = time.monotonic() + self.timeout
        box: dict[str, Any] = {}

        def work() -> None:
            try:
                box["result"] = self._read(body, deadline)
            except BaseException as err:  # handed to the waiting thread
                box["error"] = err

        helper = threading.Thread(target=work, name="gamelang-openai-request", daemon=True)
        helper.start()
        helper.join(max(0.0, deadline - time.monotonic()) + 0.05)
        if helper.is_alive():
            raise _Deadline()
        if "error" in box:
            raise box["error"]
        return box["result"]

    def _read(self, body: dict[str, Any], deadline: float) -> tuple[int, bytes]:
        remaining = max(0.001, deadline - time.monotonic())
        with self.client.stream("POST", self.url, json=body, timeout=remaining) as response:
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise _TooLarge()
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise _Deadline()
            return response.status_code, b"".join(chunks)

    def close(self) -> None:
        self.client.close()
