"""m1env.llm.OpenAIClient against a real OpenAI-compatible server on loopback.

Retries, the per-call deadline, Retry-After, the connection pool and the concurrency cap are
observed from the server's side (requests, timing, client ports), not by mocking httpx.
"""

from __future__ import annotations

import asyncio
import pickle
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from m1env.errors import (
    LLMConnectionError,
    LLMError,
    LLMHTTPError,
    LLMResponseError,
    LLMTimeout,
)
from m1env.grm.testing import FakeChatServer, Reply
from m1env.llm import Completion, OpenAIClient

HI = [{"role": "user", "content": "hi"}]


def _chat(client: OpenAIClient, face: str, **params: Any) -> Completion:
    """One chat call through the sync or the async face."""
    if face == "sync":
        return client.chat(HI, model="m", **params)
    return asyncio.run(client.achat(HI, model="m", **params))


def _flaky(failures: int, reply: Reply) -> Callable[[dict[str, Any]], str | Reply]:
    """Answers ``reply`` for the first ``failures`` requests, then ``"ok"``."""
    count = {"n": 0}

    def respond(request: dict[str, Any]) -> str | Reply:
        count["n"] += 1
        return reply if count["n"] <= failures else "ok"

    return respond


faces = pytest.mark.parametrize("face", ["sync", "async"])


@faces
def test_chat_returns_the_first_choice_and_sends_the_params(face: str) -> None:
    with FakeChatServer(lambda req: "hello") as server:
        client = OpenAIClient(server.base_url)
        out = _chat(client, face, max_tokens=7, temperature=0.5, seed=None)
    assert out.text == "hello" and out.finish_reason == "stop" and out.attempts == 1
    assert out.usage == {"prompt_tokens": 0, "completion_tokens": 0} and out.latency_s > 0
    request = server.requests[0]
    assert request == {"model": "m", "messages": HI, "max_tokens": 7, "temperature": 0.5}


def test_completions_and_models_endpoints() -> None:
    with FakeChatServer(lambda req: f"echo:{req['prompt']}", model="served") as server:
        client = OpenAIClient(server.base_url)
        assert client.models() == ["served"]
        assert asyncio.run(client.amodels()) == ["served"]
        assert client.completion("1+1=", model="served").text == "echo:1+1="
        assert asyncio.run(client.acompletion("2+2=", model="served")).text == "echo:2+2="


@faces
def test_5xx_is_retried_until_it_succeeds(face: str) -> None:
    with FakeChatServer(_flaky(2, Reply(status=503, raw_body="busy"))) as server:
        out = _chat(OpenAIClient(server.base_url, backoff=0.01), face)
    assert out.text == "ok" and out.attempts == 3 and len(server.requests) == 3


@faces
def test_4xx_is_not_retried_and_keeps_status_and_body(face: str) -> None:
    bad = Reply(status=400, raw_body='{"error":"bad"}')
    with FakeChatServer(lambda req: bad) as server, pytest.raises(LLMHTTPError) as info:
        _chat(OpenAIClient(server.base_url, backoff=0.01), face)
    assert info.value.status == 400 and info.value.body == '{"error":"bad"}'
    assert "HTTP 400" in str(info.value) and len(server.requests) == 1


def test_retries_run_out_with_the_last_error() -> None:
    boom = Reply(status=500, raw_body="boom")
    with FakeChatServer(lambda req: boom) as server, pytest.raises(LLMHTTPError, match="HTTP 500"):
        OpenAIClient(server.base_url, backoff=0.01, max_retries=2).chat(HI, model="m")
    assert len(server.requests) == 3


@faces
def test_a_slow_answer_times_out_at_the_deadline_without_more_attempts(face: str) -> None:
    with FakeChatServer(lambda req: Reply("late", delay=2.0)) as server:
        client = OpenAIClient(server.base_url, timeout=0.3, max_retries=5, backoff=0.01)
        start = time.monotonic()
        with pytest.raises(LLMTimeout, match=r"did not answer within 0\.3s") as info:
            _chat(client, face)
        assert time.monotonic() - start < 1.0
    assert isinstance(info.value, TimeoutError) and len(server.requests) == 1


@faces
def test_the_deadline_bounds_retries_and_back_off(face: str) -> None:
    with FakeChatServer(lambda req: Reply(status=503, raw_body="busy")) as server:
        client = OpenAIClient(server.base_url, timeout=0.8, max_retries=100, backoff=0.1)
        start = time.monotonic()
        # The last error, or a timeout naming it when the deadline cut the last attempt short.
        with pytest.raises((LLMHTTPError, LLMTimeout), match="HTTP 503"):
            _chat(client, face)
        elapsed = time.monotonic() - start
    # Back-off doubles from 0.1 s: a few attempts fit in 0.8 s, never the hundred allowed.
    assert elapsed < 0.9 and 2 <= len(server.requests) < 10


def test_a_call_may_set_its_own_deadline() -> None:
    with FakeChatServer(lambda req: Reply("late", delay=1.0)) as server:
        client = OpenAIClient(server.base_url, timeout=30)
        start = time.monotonic()
        with pytest.raises(LLMTimeout):
            client.chat(HI, model="m", timeout=0.2)
        assert time.monotonic() - start < 0.8


def test_attempt_timeout_retries_a_hung_attempt_within_the_deadline() -> None:
    with FakeChatServer(_flaky(1, Reply("hung", delay=3.0))) as server:
        client = OpenAIClient(server.base_url, timeout=5, attempt_timeout=0.3, backoff=0.01)
        start = time.monotonic()
        out = client.chat(HI, model="m")
        assert time.monotonic() - start < 2.0
    assert out.text == "ok" and out.attempts == 2


def test_attempts_that_all_hang_stop_when_retries_run_out() -> None:
    with FakeChatServer(lambda req: Reply("hung", delay=2.0)) as server:
        client = OpenAIClient(
            server.base_url, timeout=10, attempt_timeout=0.2, max_retries=1, backoff=0.01
        )
        with pytest.raises(LLMTimeout, match=r"within 0\.2s, its attempt timeout \(2 attempts"):
            client.chat(HI, model="m")
    assert len(server.requests) == 2


def test_retry_after_is_honoured() -> None:
    busy = Reply(status=429, raw_body="slow down", headers=(("Retry-After", "0.4"),))
    with FakeChatServer(_flaky(1, busy)) as server:
        client = OpenAIClient(server.base_url, backoff=0.0)
        start = time.monotonic()
        assert client.chat(HI, model="m").attempts == 2
        assert time.monotonic() - start >= 0.4


def test_a_retry_after_beyond_the_deadline_gives_up_at_once() -> None:
    busy = Reply(status=503, raw_body="maintenance", headers=(("Retry-After", "5"),))
    with FakeChatServer(lambda req: busy) as server:
        client = OpenAIClient(server.base_url, timeout=2, backoff=0.0)
        start = time.monotonic()
        with pytest.raises(LLMHTTPError, match="HTTP 503"):
            client.chat(HI, model="m")
        assert time.monotonic() - start < 0.5 and len(server.requests) == 1


def test_an_unreachable_server_is_a_connection_error_after_retries() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: connections are refused
        client = OpenAIClient(f"http://127.0.0.1:{port}/v1", backoff=0.01, max_retries=2)
        with pytest.raises(LLMConnectionError, match="cannot reach"):
            client.models()


def test_a_garbage_body_is_a_response_error() -> None:
    with FakeChatServer(lambda req: Reply(raw_body="<html>proxy error</html>")) as server:
        client = OpenAIClient(server.base_url)
        with pytest.raises(LLMResponseError, match="not a chat-completions answer"):
            client.chat(HI, model="m")
        with pytest.raises(LLMResponseError, match="not a completions answer"):
            client.completion("x", model="m")
    assert issubclass(LLMResponseError, ValueError) and issubclass(LLMResponseError, LLMError)


def test_connections_are_kept_alive_and_reused() -> None:
    with FakeChatServer(lambda req: "ok") as server:
        client = OpenAIClient(server.base_url)
        for _ in range(4):
            client.chat(HI, model="m")

        async def several() -> None:
            for _ in range(4):
                await client.achat(HI, model="m")

        asyncio.run(several())
        client.close()
    sync_ports, async_ports = server.peers[:4], server.peers[4:]
    assert len(set(sync_ports)) == 1 and len(set(async_ports)) == 1
    assert sync_ports[0] != async_ports[0]  # one pool per face (and per event loop)


def _tracking_server(delay: float) -> tuple[FakeChatServer, dict[str, int]]:
    active = {"now": 0, "max": 0}
    lock = threading.Lock()

    def slow(req: dict[str, Any]) -> str:
        with lock:
            active["now"] += 1
            active["max"] = max(active["max"], active["now"])
        time.sleep(delay)
        with lock:
            active["now"] -= 1
        return "ok"

    return FakeChatServer(slow), active


def test_the_sync_face_caps_calls_in_flight_across_threads() -> None:
    server, active = _tracking_server(0.05)
    with server:
        client = OpenAIClient(server.base_url, max_concurrency=2)
        with ThreadPoolExecutor(max_workers=8) as pool:
            outs = list(pool.map(lambda _: client.chat(HI, model="m"), range(8)))
    assert [o.text for o in outs] == ["ok"] * 8 and active["max"] == 2


def test_the_async_face_caps_calls_in_flight_per_loop() -> None:
    server, active = _tracking_server(0.05)
    with server:
        client = OpenAIClient(server.base_url, max_concurrency=3)

        async def batch() -> list[Completion]:
            return await asyncio.gather(*(client.achat(HI, model="m") for _ in range(9)))

        assert len(asyncio.run(batch())) == 9
        assert len(asyncio.run(batch())) == 9  # a second event loop gets its own pool
    assert active["max"] == 3


def test_a_used_client_pickles_and_works_where_it_lands() -> None:
    with FakeChatServer(lambda req: "ok") as server:
        client = OpenAIClient(server.base_url, api_key="k", timeout=7, max_retries=1)
        client.chat(HI, model="m")
        asyncio.run(client.achat(HI, model="m"))
        clone = pickle.loads(pickle.dumps(client))
        assert (clone.base_url, clone.api_key, clone.timeout, clone.max_retries) == (
            server.base_url,
            "k",
            7,
            1,
        )
        assert clone.chat(HI, model="m").text == "ok"
        assert asyncio.run(clone.achat(HI, model="m")).text == "ok"


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="http"):
        OpenAIClient("127.0.0.1:8000/v1")
    with pytest.raises(ValueError):
        OpenAIClient("http://127.0.0.1/v1", timeout=0)
    with pytest.raises(ValueError):
        OpenAIClient("http://127.0.0.1/v1", max_concurrency=0)
