"""The one retry engine of m1env's HTTP clients: back-off policy, per-call deadline, send loops.

Both clients send through it -- :class:`m1env.llm.OpenAIClient` (the judge's and the rollouts'
OpenAI-compatible client) and :class:`m1env.client.Client`/``AsyncClient`` (the scoring
service's) -- and differ only in what they pass in::

    policy = RetryPolicy(retries=3, backoff=0.5, max_backoff=10.0)
    call = Call("POST", url, policy, retry_status=frozenset({429, 503}), fail=to_my_error,
                deadline=60.0, attempt_timeout=None)
    reply = send(http_client, call, json=body)          # or: await asend(async_client, call, ...)

**Attempts.** An attempt fails when httpx raises a :class:`httpx.TransportError` (connection
errors and timeouts) or the answer's status is 400 or more; any other answer is returned. A
failure is turned into the client's own exception by ``fail(call, reply, error)`` (``call.last``
holds the failure of the attempt before, ``call.attempts`` counts this one). It is retried when
it is a transport error or a status in ``retry_status``, at most ``policy.retries`` times;
otherwise, or when the retries or the deadline run out, that exception is raised.

**Back-off.** Before retry *n* (0 for the first) the engine sleeps
``min(max_backoff, backoff * 2**n)`` seconds times a factor drawn from ``policy.jitter``
(``(0, 1)``, full jitter, by default), or what the answer's ``Retry-After`` asks in seconds,
capped at ``max_backoff`` (an HTTP date is rare from these servers: then the engine keeps its
own back-off).

**Deadline.** ``deadline`` (seconds, or None for none) bounds the whole call: every attempt and
the back-off between them. The clock starts with :func:`send`/:func:`asend` (a client with a
concurrency cap calls them once it holds a slot). Each attempt gets the time that is left, or
``attempt_timeout`` when that is smaller (``call.attempt_bound`` says which); with neither, the
httpx client's own timeout applies. A back-off that would end past the deadline is not slept:
the failure is raised at once. The async loop also puts a hard bound (``asyncio.timeout``) on
each attempt; the sync one gives each httpx phase (connect, write, every read) the time left.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["Call", "RetryPolicy", "asend", "send"]


@dataclass(frozen=True)
class RetryPolicy:
    """How often to retry and how long to back off: ``retries`` after the first attempt,
    ``backoff`` s doubling up to ``max_backoff``, scaled by a factor drawn from ``jitter``."""

    retries: int = 5
    backoff: float = 0.1
    max_backoff: float = 10.0
    jitter: tuple[float, float] = (0.0, 1.0)

    def __post_init__(self) -> None:
        if self.retries < 0 or self.backoff < 0 or self.max_backoff < self.backoff:
            raise ValueError("retries and backoff must be >= 0 and max_backoff >= backoff")
        low, high = self.jitter
        if not 0 <= low <= high:
            raise ValueError(f"jitter must be a range 0 <= low <= high, got {self.jitter}")

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait before retry ``attempt`` (0 for the first), or ``retry_after``'s."""
        if retry_after is not None:
            with contextlib.suppress(ValueError):
                return min(self.max_backoff, max(0.0, float(retry_after)))
        # The exponent is capped only so that a huge retry count cannot overflow a float.
        base = min(self.max_backoff, self.backoff * 2 ** min(attempt, 64))
        return base * random.uniform(*self.jitter)


Failure = Callable[["Call", httpx.Response | None, BaseException | None], Exception]


@dataclass
class Call:
    """One call's attempts: counted, timed against the deadline, and retried or given up."""

    method: str
    url: str
    policy: RetryPolicy
    retry_status: frozenset[int]
    fail: Failure  # an attempt's failure -> the client's own exception
    deadline: float | None = None
    attempt_timeout: float | None = None
    start: float = 0.0
    attempts: int = 0
    last: Exception | None = None  # the failure of the latest failed attempt
    attempt_bound: bool = False  # the latest attempt was given attempt_timeout, not the rest

    def begin(self) -> None:
        self.start = time.monotonic()

    @property
    def left(self) -> float:
        """Seconds left before the deadline (infinite without one)."""
        if self.deadline is None:
            return math.inf
        return self.start + self.deadline - time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def next_timeout(self) -> float | None:
        """Counts an attempt; the seconds it may take (None: the httpx client's timeout)."""
        self.attempts += 1
        left = self.left
        self.attempt_bound = self.attempt_timeout is not None and self.attempt_timeout < left
        if self.attempt_timeout is not None:
            left = min(left, self.attempt_timeout)
        if left == math.inf:
            return None
        return max(left, 1e-3)  # httpx reads 0 as "no time at all" on some phases

    def settle(self, reply: httpx.Response | None, error: BaseException | None) -> float | None:
        """After an attempt: None when ``reply`` is the answer, else the seconds to back off
        before the next attempt; raises the client's exception when there is to be none."""
        if error is None and reply is not None and reply.status_code < 400:
            return None
        failure = self.fail(self, reply, error)
        self.last = failure
        if reply is not None and reply.status_code not in self.retry_status:
            raise failure
        if self.attempts > self.policy.retries:
            raise failure
        retry_after = reply.headers.get("Retry-After") if reply is not None else None
        delay = self.policy.delay(self.attempts - 1, retry_after)
        if delay >= self.left:
            raise failure  # the next attempt could not start before the deadline
        return delay


def _timeout(seconds: float | None) -> Any:
    return httpx.USE_CLIENT_DEFAULT if seconds is None else seconds


def send(client: httpx.Client, call: Call, **kwargs: Any) -> httpx.Response:
    """``call``'s attempts through ``client``, retried as the module docstring says."""
    call.begin()
    while True:
        seconds = call.next_timeout()
        reply: httpx.Response | None = None
        error: BaseException | None = None
        try:
            reply = client.request(call.method, call.url, timeout=_timeout(seconds), **kwargs)
        except httpx.TransportError as exc:  # timeouts included
            error = exc
        delay = call.settle(reply, error)
        if delay is None:
            assert reply is not None
            return reply
        time.sleep(delay)


async def asend(client: httpx.AsyncClient, call: Call, **kwargs: Any) -> httpx.Response:
    """The asyncio face of :func:`send`."""
    call.begin()
    while True:
        seconds = call.next_timeout()
        reply: httpx.Response | None = None
        error: BaseException | None = None
        try:
            async with asyncio.timeout(seconds):  # a hard bound, unlike httpx's phases
                reply = await client.request(
                    call.method, call.url, timeout=_timeout(seconds), **kwargs
                )
        except (httpx.TransportError, TimeoutError) as exc:
            error = exc
        delay = call.settle(reply, error)
        if delay is None:
            assert reply is not None
            return reply
        await asyncio.sleep(delay)
