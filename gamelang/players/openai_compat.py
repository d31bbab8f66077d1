"""Players behind any OpenAI-compatible chat server (vLLM, llama.cpp, Ollama, ...).

``openai:MODEL@BASE_URL[?options]``, e.g. ``openai:llama3.1:8b@http://localhost:11434/v1``.
Requests of a round are sent concurrently (at most ``concurrency`` at once, default 8); each is
retried ``retries`` times (default 3) with exponential back-off on connection errors, time-outs
(``timeout`` seconds, default 60), HTTP 429 and 5xx. Other options: ``temperature`` (default 0),
``top_p``, ``max_tokens`` (default: the game's ``reply_tokens``), ``api_key_env`` (the environment
variable holding the key, default ``OPENAI_API_KEY``; no key is sent if it is unset).
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from .base import Player, PlayerError, PlayerSpec, Request

RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


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
        timeout = spec.option("timeout", 60.0, float)
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(spec.option("api_key_env", "OPENAI_API_KEY"))
        if key:
            headers["Authorization"] = f"Bearer {key}"
        self.client = httpx.Client(timeout=timeout, headers=headers)
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
        last = "no attempt"
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                response = self.client.post(self.url, json=body)
            except httpx.HTTPError as err:
                last = f"{type(err).__name__}: {err}"
                continue
            if response.status_code in RETRY_STATUS:
                last = f"HTTP {response.status_code}"
                continue
            if response.status_code != 200:
                return PlayerError(f"{self.url} answered HTTP {response.status_code}: {response.text[:200]}")
            try:
                content = response.json()["choices"][0]["message"]["content"]
            except (ValueError, KeyError, IndexError, TypeError):
                return PlayerError(f"{self.url} sent a response that is not a chat completion: {response.text[:200]}")
            return content if isinstance(content, str) else ""
        return PlayerError(f"{self.url} failed after {self.retries + 1} attempts: {last}")

    def close(self) -> None:
        self.client.close()
