"""A small OpenAI-compatible chat server on loopback, for testing the `openai:` player over real HTTP.

It answers POST /v1/chat/completions with a reply computed from the conversation, and can be told
to be slow, to fail a number of times first, to fail always, or to send something that is not a
chat completion. Run it in a thread of the test process; clients may be other processes.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable


def taboo_oracle(messages: list[dict]) -> str:
    """Describer: a clue; guesser: 'winter' (right for instance high_en/0)."""
    first = messages[0]["content"]
    if "You are the describer" in first:
        return "CLUE: the coldest time of the year"
    return "GUESS: winter"


class ChatServer:
    """Start with ``with ChatServer(...) as server:``; ``server.url`` is the base URL (…/v1)."""

    def __init__(self, reply: Callable[[list[dict]], str] = taboo_oracle, delay: float = 0.0) -> None:
        self.reply = reply
        self.delay = delay
        self.fail_next = 0  # answer this many requests with `fail_status` first
        self.fail_status = 500
        self.always_fail = False
        self.garbage = False
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with server.lock:
                    server.requests.append({"path": self.path, "body": body,
                                            "auth": self.headers.get("Authorization")})
                    failing = server.always_fail or server.fail_next > 0
                    if server.fail_next > 0:
                        server.fail_next -= 1
                if server.delay:
                    time.sleep(server.delay)
                if self.path.rstrip("/") != "/v1/chat/completions":
                    return self._send(404, {"error": "not found"})
                if failing:
                    return self._send(server.fail_status, {"error": "failing on purpose"})
                if server.garbage:
                    return self._send(200, {"unexpected": True})
                text = server.reply(body["messages"])
                # a reply may be a whole message (with tool_calls, for native tool calling)
                message = text if isinstance(text, dict) else {"role": "assistant", "content": text}
                self._send(200, {"id": "x", "object": "chat.completion", "model": body.get("model"),
                                 "choices": [{"index": 0, "finish_reason": "stop", "message": message}]})

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "ChatServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
