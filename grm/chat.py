"""Chat backends: how the judge talks to a model.

:class:`OpenAIChat` speaks the OpenAI chat-completions protocol over httpx, so it works
with ``vllm serve``, the bundled policy server (``m1env policy serve``) and hosted APIs.
It retries connection errors, timeouts, 429 and 5xx answers with exponential back-off
and caps concurrent requests. :class:`CallableChat` is the in-process test double: a
plain function from messages to text. Both implement :class:`ChatBackend`.
"""

from __future__ import annotations

import asyncio
import random
import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from m1env.errors import JudgeError, JudgeHTTPError, JudgeTimeout

__all__ = ["CallableChat", "ChatBackend", "Completion", "OpenAIChat"]

Messages = list[dict[str, str]]


@dataclass(frozen=True)
class Completion:
    text: str
    latency_s: float
    attempts: int = 1
    usage: dict[str, Any] = field(default_factory=dict)


class ChatBackend(ABC):
    """Turns chat messages into the assistant's reply text."""

    model: str = "unknown"

    @abstractmethod
    async def complete(
        self, messages: Messages, *, temperature: float = 0.0, max_tokens: int = 512
    ) -> Completion: ...


class CallableChat(ChatBackend):
    """A backend backed by a Python function (tests, simulations, offline judges)."""

    def __init__(self, fn: Callable[[Messages], str], model: str = "callable") -> None:
        self.fn = fn
        self.model = model

    async def complete(
        self, messages: Messages, *, temperature: float = 0.0, max_tokens: int = 512
    ) -> Completion:
        start = time.perf_counter()
        text = self.fn(messages)
        return Completion(text, time.perf_counter() - start)


_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class OpenAIChat(ChatBackend):
    """``POST {base_url}/chat/completions`` with retries, back-off and a concurrency cap.

    ``base_url`` includes the version prefix, e.g. ``http://127.0.0.1:8000/v1``.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_concurrency: int = 16,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
        if timeout <= 0 or max_retries < 0 or backoff < 0 or max_concurrency < 1:
            raise ValueError("timeout > 0, max_retries >= 0, backoff >= 0, max_concurrency >= 1")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_concurrency = max_concurrency
        self.transport = transport
        # A connection pool and a semaphore per event loop: both are bound to the loop
        # that created them, and a fresh client per request costs an SSL context.
        self._per_loop: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[asyncio.Semaphore, httpx.AsyncClient]
        ] = weakref.WeakKeyDictionary()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_per_loop"] = weakref.WeakKeyDictionary()  # rebuilt where unpickled
        return state

    def _for_loop(self) -> tuple[asyncio.Semaphore, httpx.AsyncClient]:
        loop = asyncio.get_running_loop()
        if loop not in self._per_loop:
            self._per_loop[loop] = (
                asyncio.Semaphore(self.max_concurrency),
                httpx.AsyncClient(timeout=self.timeout, transport=self.transport),
            )
        return self._per_loop[loop]

    async def aclose(self) -> None:
        """Close this loop's connection pool."""
        pair = self._per_loop.pop(asyncio.get_running_loop(), None)
        if pair is not None:
            await pair[1].aclose()

    async def complete(
        self, messages: Messages, *, temperature: float = 0.0, max_tokens: int = 512
    ) -> Completion:
        body = {
            "model": self.model,
            "messages": messages,
            "temperature": temperature,
            "max_tokens": max_tokens,
        }
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        start = time.perf_counter()
        last: JudgeError | None = None
        semaphore, client = self._for_loop()
        async with semaphore:
            for attempt in range(1, self.max_retries + 2):
                if attempt > 1:
                    delay = self.backoff * 2 ** (attempt - 2)
                    await asyncio.sleep(delay * (0.5 + random.random()))
                try:
                    reply = await client.post(
                        f"{self.base_url}/chat/completions", json=body, headers=headers
                    )
                except httpx.TimeoutException:
                    last = JudgeTimeout(f"judge did not answer within {self.timeout:g}s")
                    continue
                except httpx.TransportError as exc:
                    last = JudgeError(f"cannot reach the judge at {self.base_url}: {exc}")
                    continue
                if reply.status_code in _RETRY_STATUS:
                    last = JudgeHTTPError(reply.status_code, reply.text)
                    continue
                if reply.status_code >= 400:
                    raise JudgeHTTPError(reply.status_code, reply.text)
                return Completion(
                    _reply_text(reply),
                    time.perf_counter() - start,
                    attempts=attempt,
                    usage=_usage(reply),
                )
        assert last is not None
        raise last


def _reply_text(reply: httpx.Response) -> str:
    try:
        data = reply.json()
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise JudgeError(f"not a chat-completions answer: {reply.text[:300]!r}") from exc
    if not isinstance(content, str):
        raise JudgeError(f"the judge's message content is {type(content).__name__}, not text")
    return content


def _usage(reply: httpx.Response) -> dict[str, Any]:
    usage = reply.json().get("usage")
    return usage if isinstance(usage, dict) else {}
