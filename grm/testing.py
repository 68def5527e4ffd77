"""A real OpenAI-compatible chat server on loopback, for tests and simulations.

:class:`FakeChatServer` answers ``POST /v1/chat/completions``, ``POST /v1/completions``
and ``GET /v1/models`` over real HTTP from a Python function, so the judge's and the
rollouts' whole network path -- retries, timeouts, 5xx answers, malformed bodies, kept-alive
connections -- is exercised without a GPU. The function receives the request body and
returns the reply text, or a :class:`Reply` to set the status, headers, the raw body or a
delay. ``requests`` holds the bodies in arrival order and ``peers`` the client's port of
each (one port for many requests: the connection was reused).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FakeChatServer", "Reply"]


@dataclass(frozen=True)
class Reply:
    text: str = ""
    status: int = 200
    delay: float = 0.0
    raw_body: str | None = None  # sent as-is instead of a chat-completions object
    headers: tuple[tuple[str, str], ...] = ()  # e.g. (("Retry-After", "1"),)


Responder = Callable[[dict[str, Any]], "str | Reply"]


class FakeChatServer:
    def __init__(self, responder: Responder, *, model: str = "fake-judge") -> None:
        self.responder = responder
        self.model = model
        self.requests: list[dict[str, Any]] = []
        self.peers: list[int] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real servers do

            def log_message(self, *args: Any) -> None:
                pass

            def _send(
                self, status: int, body: str, headers: tuple[tuple[str, str], ...] = ()
            ) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/") == "/v1/models":
                    self._send(200, json.dumps({"data": [{"id": server.model}]}))
                else:
                    self._send(404, '{"error": "not found"}')

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                try:
                    request = json.loads(self.rfile.read(length))
                except ValueError:
                    self._send(400, '{"error": "invalid JSON"}')
                    return
                path = self.path.rstrip("/")
                if path not in ("/v1/chat/completions", "/v1/completions"):
                    self._send(404, '{"error": "not found"}')
                    return
                with server._lock:
                    server.requests.append(request)
                    server.peers.append(self.client_address[1])
                reply = server.responder(request)
                if isinstance(reply, str):
                    reply = Reply(reply)
                if reply.delay:
                    time.sleep(reply.delay)
                body = reply.raw_body
                if body is None:
                    body = json.dumps(_answer(path, server.model, reply.text))
                # The client may have given up already (the timeout tests).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._send(reply.status, body, reply.headers)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll interval: stop() waits up to one interval, and tests stop many servers.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}/v1"

    def start(self) -> FakeChatServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeChatServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _answer(path: str, model: str, text: str) -> dict[str, Any]:
    """A chat-completions or completions object holding ``text``."""
    choice: dict[str, Any]
    if path.endswith("/chat/completions"):
        kind, choice = "chat.completion", {"message": {"role": "assistant", "content": text}}
    else:
        kind, choice = "text_completion", {"text": text}
    return {
        "id": "cmpl-fake",
        "object": kind,
        "model": model,
        "choices": [{"index": 0, **choice, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0},
    }
