"""m1env.retry, the one retry engine of both HTTP clients, against real servers on loopback.

The engine is driven directly (a :class:`Call` with its own statuses and error mapping) and
through the scoring service's client, whose statuses and errors differ from the
OpenAI-compatible client's (tests/m1env/test_llm.py covers that one).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from m1env.client import AsyncClient, Client, ClientError, ServiceUnavailable
from m1env.client import RetryPolicy as ClientRetryPolicy
from m1env.grm.testing import Reply
from m1env.retry import Call, RetryPolicy, asend, send

SCORE = {"score": 1.0, "status": "correct", "verifier": "exact"}


class Scripted:
    """A loopback server answering each request with the next :class:`Reply` of a script
    (the last one again once the script runs out); ``paths`` and ``times`` record arrivals."""

    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies)
        self.paths: list[str] = []
        self.times: list[float] = []
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                with lock:
                    outer.paths.append(self.path)
                    outer.times.append(time.monotonic())
                    n = len(outer.paths)
                    reply = outer.replies[min(n, len(outer.replies)) - 1]
                time.sleep(reply.delay)
                data = (reply.raw_body if reply.raw_body is not None else reply.text).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.headers:
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up on a slow answer

            do_GET = do_POST = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Scripted:
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def ok(body: Any = None) -> Reply:
    return Reply(raw_body=json.dumps(SCORE if body is None else body))


def status(code: int, body: str = "busy", **headers: str) -> Reply:
    return Reply(status=code, raw_body=body, headers=tuple(headers.items()))


class Failed(Exception):
    def __init__(self, call: Call, reply: httpx.Response | None, exc: BaseException | None):
        what = f"HTTP {reply.status_code}" if reply is not None else type(exc).__name__
        super().__init__(f"{what} on attempt {call.attempts}; before: {call.last}")
        self.status = reply.status_code if reply is not None else None


def _call(url: str, **kwargs: Any) -> Call:
    kwargs.setdefault("policy", RetryPolicy(retries=3, backoff=0.01, max_backoff=0.05))
    return Call("POST", url, retry_status=frozenset({503}), fail=Failed, **kwargs)


@contextmanager
def _refused_url() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        yield f"http://127.0.0.1:{s.getsockname()[1]}/x"


faces = pytest.mark.parametrize("face", ["sync", "async"])


def _send(face: str, call: Call, **kwargs: Any) -> httpx.Response:
    if face == "sync":
        with httpx.Client() as client:
            return send(client, call, **kwargs)

    async def go() -> httpx.Response:
        async with httpx.AsyncClient() as client:
            return await asend(client, call, **kwargs)

    return asyncio.run(go())


# -- the policy ---------------------------------------------------------------------------------


def test_back_off_doubles_is_capped_and_jittered_within_the_policys_range() -> None:
    full = RetryPolicy(backoff=0.1, max_backoff=0.5)
    assert all(0 <= full.delay(1) <= 0.2 for _ in range(200))
    assert all(0 <= full.delay(30) <= 0.5 for _ in range(200))  # capped
    spread = RetryPolicy(backoff=0.1, max_backoff=0.5, jitter=(0.5, 1.5))
    draws = [spread.delay(2) for _ in range(200)]
    assert all(0.2 <= d <= 0.6 for d in draws) and max(draws) > 0.4  # 0.4 s, 0.5-1.5x
    assert 0 <= RetryPolicy().delay(10**4) <= 10.0


def test_retry_after_is_taken_in_seconds_capped_and_an_http_date_is_ignored() -> None:
    policy = RetryPolicy(backoff=0.0, max_backoff=3.0)
    assert policy.delay(0, "2") == 2.0 and policy.delay(0, "60") == 3.0
    assert policy.delay(0, "-1") == 0.0
    assert policy.delay(0, "Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # its own back-off: 0 s


def test_the_policy_checks_its_settings() -> None:
    for bad in ({"retries": -1}, {"backoff": -1}, {"backoff": 2, "max_backoff": 1}):
        with pytest.raises(ValueError):
            RetryPolicy(**bad)
    with pytest.raises(ValueError, match="jitter"):
        RetryPolicy(jitter=(1.0, 0.5))
    assert ClientRetryPolicy is RetryPolicy  # the scoring client's is the shared one


# -- the send loops -----------------------------------------------------------------------------


@faces
def test_a_retryable_status_is_retried_until_it_succeeds(face: str) -> None:
    with Scripted(status(503), status(503), ok()) as server:
        call = _call(f"{server.url}/x")
        reply = _send(face, call, json={"a": 1})
    assert reply.json() == SCORE and call.attempts == 3 and len(server.paths) == 3
    assert isinstance(call.last, Failed) and "attempt 2" in str(call.last)


@faces
def test_any_other_failing_status_raises_the_clients_error_at_once(face: str) -> None:
    with Scripted(status(500, "boom")) as server, pytest.raises(Failed) as info:
        _send(face, _call(f"{server.url}/x"))
    assert info.value.status == 500 and len(server.paths) == 1


@faces
def test_retries_run_out_with_the_last_attempts_error_naming_the_one_before(face: str) -> None:
    with Scripted(status(503)) as server, pytest.raises(Failed, match="HTTP 503 on attempt 4"):
        _send(face, _call(f"{server.url}/x"))
    assert len(server.paths) == 4  # the first attempt and three retries


@faces
def test_connection_errors_are_retried(face: str) -> None:
    with _refused_url() as url, pytest.raises(Failed, match="ConnectError on attempt 4"):
        _send(face, _call(url))


@faces
def test_without_a_deadline_the_http_clients_timeout_bounds_each_attempt(face: str) -> None:
    with Scripted(Reply(delay=1.0), ok()) as server:
        call = _call(f"{server.url}/x")
        assert call.deadline is None
        if face == "sync":
            with httpx.Client(timeout=0.2) as client:
                reply = send(client, call)
        else:

            async def go() -> httpx.Response:
                async with httpx.AsyncClient(timeout=0.2) as client:
                    return await asend(client, call)

            reply = asyncio.run(go())
    assert reply.json() == SCORE and call.attempts == 2
    assert "ReadTimeout" in str(call.last)


@faces
def test_the_deadline_bounds_attempts_and_back_off(face: str) -> None:
    policy = RetryPolicy(retries=100, backoff=0.1, max_backoff=0.1, jitter=(1.0, 1.0))
    with Scripted(status(503)) as server:
        start = time.monotonic()
        with pytest.raises(Failed, match="HTTP 503"):
            _send(face, _call(f"{server.url}/x", policy=policy, deadline=0.5))
        elapsed = time.monotonic() - start
    # 0.1 s between attempts: about five fit in 0.5 s; the back-off past it is not slept.
    assert elapsed < 0.6 and 3 <= len(server.paths) <= 6


@faces
def test_a_hung_attempt_is_cut_at_the_attempt_timeout_and_retried(face: str) -> None:
    with Scripted(Reply(delay=3.0), ok()) as server:
        call = _call(f"{server.url}/x", deadline=5.0, attempt_timeout=0.2)
        start = time.monotonic()
        reply = _send(face, call)
        assert time.monotonic() - start < 1.5
    assert reply.json() == SCORE and call.attempts == 2 and call.attempt_bound


# -- the scoring service's client through the engine -------------------------------------------


def test_the_scoring_client_retries_its_statuses_and_honours_retry_after() -> None:
    script = (status(503, **{"Retry-After": "0.3"}), status(429), ok())
    policy = ClientRetryPolicy(retries=2, backoff=0.01, max_backoff=1.0)
    with Scripted(*script) as server, Client(server.url, retry=policy) as c:
        assert c.score("exact", "x", "y").status == "correct"
    assert server.paths == ["/v1/score"] * 3 and server.times[1] - server.times[0] >= 0.3

    async def go() -> str:
        async with AsyncClient(server2.url, retry=policy) as c:
            return (await c.score("exact", "x", "y")).status

    with Scripted(*script) as server2:
        assert asyncio.run(go()) == "correct"
    assert len(server2.paths) == 3 and server2.times[1] - server2.times[0] >= 0.3


def test_the_scoring_client_does_not_retry_a_500_nor_a_4xx() -> None:
    server = Scripted(status(500, json.dumps({"detail": "broken"})))
    with server, Client(server.url) as c, pytest.raises(ClientError) as info:
        c.health()
    assert (info.value.status, info.value.detail) == (500, "broken") and len(server.paths) == 1
    server = Scripted(status(404, "plain text"))
    with server, Client(server.url) as c, pytest.raises(ClientError, match="HTTP 404: plain"):
        c.get_job(1)
    assert server.paths == ["/v1/jobs/1"]


def test_the_scoring_client_gives_up_with_service_unavailable_naming_the_last_answer() -> None:
    server = Scripted(status(502, "bad gateway"))
    client = Client(server.url, retry=ClientRetryPolicy(retries=1, backoff=0.01))
    gave_up = r"GET /healthz failed after 2 tries: HTTP 502: bad gateway"
    with server, client, pytest.raises(ServiceUnavailable, match=gave_up):
        client.health()
    assert len(server.paths) == 2


@contextmanager
def _silent_url() -> Iterator[str]:
    """A server that accepts connections and never answers (a hung model server)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        held: list[socket.socket] = []

        def accept() -> None:
            with contextlib.suppress(OSError):  # closed at the end
                while True:
                    held.append(listener.accept()[0])

        threading.Thread(target=accept, daemon=True).start()
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/x"
        for conn in held:
            conn.close()


@faces
@pytest.mark.parametrize("attempt_timeout", [None, 0.3])
def test_against_a_server_that_never_answers_the_whole_call_ends_at_the_deadline(
    face: str, attempt_timeout: float | None
) -> None:
    """Retries included: no attempt gets a fresh timeout of its own beyond the deadline."""
    with _silent_url() as url:
        policy = RetryPolicy(retries=5, backoff=0.01, max_backoff=0.05)
        call = _call(url, policy=policy, deadline=1.0, attempt_timeout=attempt_timeout)
        start = time.monotonic()
        with pytest.raises(Failed, match="Timeout"):
            _send(face, call, json={})
        took = time.monotonic() - start
    assert took <= 1.0 + 0.3, took
    assert call.attempts >= (2 if attempt_timeout else 1)
