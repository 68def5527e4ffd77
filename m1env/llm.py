"""The one OpenAI-compatible HTTP client: the judge and the rollout engine both talk through it.

::

    client = OpenAIClient("http://127.0.0.1:8000/v1", timeout=60)
    client.models()                                          # GET  /models -> ["tiny"]
    client.chat(messages, model="tiny", max_tokens=64)       # POST /chat/completions
    client.completion("1+1=", model="tiny", logprobs=0)      # POST /completions
    await client.achat(...), await client.acompletion(...), await client.amodels()

Both faces return a :class:`Completion` (the first choice) and raise the
:class:`~m1env.errors.LLMError` family; the judge and the trainer turn those into their own
errors. Any OpenAI-compatible server works: ``vllm serve``, ``m1env policy serve``, hosted APIs.

Retries and the deadline are :mod:`m1env.retry`'s, the engine the scoring service's client
(:mod:`m1env.client`) sends through too; this client sets them as follows.

**Deadline.** ``timeout`` (the client's, or a call's own) bounds the *whole* call: every
attempt and the back-off between them. The clock starts when the call gets one of the
``max_concurrency`` slots -- waiting for a slot is queueing on our side, so a batch larger
than the cap does not time out for its size. Each attempt gets the time that is left (or
``attempt_timeout``, when that is smaller, so a hung attempt can be retried in time); a
back-off that would end past the deadline is not slept. A call therefore raises
:class:`~m1env.errors.LLMTimeout` when an attempt ran out the deadline (its message names the
error of the attempt before, if any), and otherwise the last attempt's own error (a 503 kept
up until the next back-off would pass the deadline is an ``LLMHTTPError`` with status 503).
The async face enforces the deadline as a hard bound; the sync face gives each httpx phase
(connect, write, every read) the time left, which bounds a non-streamed answer (servers send
it in one piece) but not a body trickled byte by byte.

**Retries.** Connection errors, timeouts and answers 408, 409, 425, 429, 500, 502, 503 and 504
(``RETRY_STATUS``) are retried up to ``max_retries`` times with exponential back-off
(``backoff`` s doubling, capped at ``max_backoff``, jittered to 0.5-1.5x so a burst of callers
spreads out), honouring ``Retry-After``. Any other 4xx raises at once. Completions have no
side effects, so a retried POST is safe.

**Pool.** The sync face keeps one ``httpx.Client`` (thread-safe) and slot semaphore per
process; the async face one ``httpx.AsyncClient`` and semaphore per event loop, since both are
bound to the loop that made them. Connections are kept alive and reused; a pickled client
leaves its pools behind and builds new ones where it is unpickled (a judge crossing to a
worker process), and a forked child builds its own rather than share its parent's sockets.
"""

from __future__ import annotations

import asyncio
import math
import os
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

import httpx

from m1env.errors import (
    LLMConnectionError,
    LLMError,
    LLMHTTPError,
    LLMResponseError,
    LLMTimeout,
)
from m1env.retry import Call, RetryPolicy, asend, send

__all__ = ["RETRY_STATUS", "Completion", "Messages", "OpenAIClient"]

Messages = list[dict[str, str]]

RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
JITTER = (0.5, 1.5)  # each back-off is 0.5-1.5x its nominal length


@dataclass(frozen=True, kw_only=True)
class Completion:
    """One choice of a (chat) completion, as the judge and the trainer both use it.

    ``token_ids`` are the completion's tokens when known: returned by the server (the policy
    server's ``token_ids``), or derived by the caller (the rollout engines fill them); empty
    otherwise. ``logprobs`` are per-token log-probabilities when the server returned them (NaN
    where it left one out). ``latency_s`` spans every attempt; ``attempts`` counts them.
    """

    text: str
    finish_reason: str = ""
    token_ids: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    latency_s: float = 0.0
    attempts: int = 1
    usage: dict[str, Any] = field(default_factory=dict)


def _failure(call: Call, reply: httpx.Response | None, exc: BaseException | None) -> LLMError:
    """What went wrong with one attempt, as the :class:`~m1env.errors.LLMError` it raises."""
    if isinstance(exc, (httpx.TimeoutException, TimeoutError)):
        tries = f"{call.attempts} attempt{'s' if call.attempts > 1 else ''}"
        limit = (
            f"{call.attempt_timeout:g}s, its attempt timeout"
            if call.attempt_bound
            else f"{call.deadline:g}s"
        )
        message = f"{call.url} did not answer within {limit} ({tries})"
        if call.last is not None and not isinstance(call.last, LLMTimeout):
            # The deadline cut a retry short: say what the attempts before it got.
            message += f"; the attempt before: {call.last}"
        return LLMTimeout(message)
    if exc is not None:
        return LLMConnectionError(f"cannot reach {call.url}: {type(exc).__name__}: {exc}")
    assert reply is not None
    return LLMHTTPError(reply.status_code, reply.text, call.url)


class OpenAIClient:
    """An OpenAI-compatible server at ``base_url`` (with its version prefix: ``.../v1``).

    ``timeout`` bounds a call's whole time, retries included (see the module docstring);
    ``max_concurrency`` caps calls in flight per process (sync) and per event loop (async).
    ``transport``/``async_transport`` replace httpx's network transports (tests, proxies).
    """

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout: float = 60.0,
        attempt_timeout: float | None = None,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 10.0,
        max_concurrency: int = 16,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
        if timeout <= 0 or (attempt_timeout is not None and attempt_timeout <= 0):
            raise ValueError("timeout and attempt_timeout must be positive")
        if max_retries < 0 or backoff < 0 or max_backoff < backoff or max_concurrency < 1:
            raise ValueError(
                "max_retries >= 0, 0 <= backoff <= max_backoff and max_concurrency >= 1"
            )
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.attempt_timeout = attempt_timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_concurrency = max_concurrency
        self.transport = transport
        self.async_transport = async_transport
        self._reset_pools()

    def _reset_pools(self) -> None:
        self._lock = threading.Lock()
        self._sync: tuple[int, threading.BoundedSemaphore, httpx.Client] | None = None
        self._per_loop: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[asyncio.Semaphore, httpx.AsyncClient]
        ] = weakref.WeakKeyDictionary()

    def __getstate__(self) -> dict[str, Any]:
        keep = ("_lock", "_sync", "_per_loop")  # live sockets and locks do not travel
        return {k: v for k, v in self.__dict__.items() if k not in keep}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._reset_pools()

    # -- pools ---------------------------------------------------------------------------

    def _http_options(self) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        n = self.max_concurrency
        # As many connections as slots: a call that holds a slot never waits for the pool.
        limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
        return {"headers": headers, "limits": limits, "timeout": self.timeout}

    def _for_process(self) -> tuple[threading.BoundedSemaphore, httpx.Client]:
        with self._lock:
            if self._sync is None or self._sync[0] != os.getpid():
                # After a fork the parent's pool is left alone: its sockets are the parent's.
                client = httpx.Client(transport=self.transport, **self._http_options())
                self._sync = (os.getpid(), threading.BoundedSemaphore(self.max_concurrency), client)
            return self._sync[1], self._sync[2]

    def _for_loop(self) -> tuple[asyncio.Semaphore, httpx.AsyncClient]:
        loop = asyncio.get_running_loop()
        if loop not in self._per_loop:
            client = httpx.AsyncClient(transport=self.async_transport, **self._http_options())
            self._per_loop[loop] = (asyncio.Semaphore(self.max_concurrency), client)
        return self._per_loop[loop]

    def close(self) -> None:
        """Close this process's sync connection pool (a later call opens a new one)."""
        with self._lock:
            pool, self._sync = self._sync, None
        if pool is not None and pool[0] == os.getpid():
            pool[2].close()

    async def aclose(self) -> None:
        """Close this event loop's connection pool (a later call opens a new one)."""
        pair = self._per_loop.pop(asyncio.get_running_loop(), None)
        if pair is not None:
            await pair[1].aclose()

    def __enter__(self) -> OpenAIClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> OpenAIClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- sending: the retry engine is m1env.retry's ----------------------------------------

    def _call(self, method: str, path: str, timeout: float | None) -> Call:
        budget = self.timeout if timeout is None else timeout
        if budget <= 0:
            raise ValueError(f"timeout must be positive, got {budget}")
        policy = RetryPolicy(
            retries=self.max_retries,
            backoff=self.backoff,
            max_backoff=self.max_backoff,
            jitter=JITTER,
        )
        return Call(
            method,
            f"{self.base_url}{path}",
            policy,
            RETRY_STATUS,
            _failure,
            deadline=budget,
            attempt_timeout=self.attempt_timeout,
        )

    def _send(
        self, method: str, path: str, body: dict[str, Any] | None, timeout: float | None
    ) -> tuple[httpx.Response, Call]:
        call = self._call(method, path, timeout)
        slots, client = self._for_process()
        with slots:  # the deadline's clock starts once the call holds a slot
            return send(client, call, json=body), call

    async def _asend(
        self, method: str, path: str, body: dict[str, Any] | None, timeout: float | None
    ) -> tuple[httpx.Response, Call]:
        call = self._call(method, path, timeout)
        slots, client = self._for_loop()
        async with slots:
            return await asend(client, call, json=body), call

    # -- endpoints -----------------------------------------------------------------------

    def chat(
        self, messages: Messages, *, model: str, timeout: float | None = None, **params: Any
    ) -> Completion:
        """``POST /chat/completions``; ``params`` go into the body (None values are left out)."""
        body = _body(model, params, messages=messages)
        return _chat_completion(*self._send("POST", "/chat/completions", body, timeout))

    async def achat(
        self, messages: Messages, *, model: str, timeout: float | None = None, **params: Any
    ) -> Completion:
        body = _body(model, params, messages=messages)
        return _chat_completion(*await self._asend("POST", "/chat/completions", body, timeout))

    def completion(
        self, prompt: str | list[int], *, model: str, timeout: float | None = None, **params: Any
    ) -> Completion:
        """``POST /completions`` with one prompt (text or token ids)."""
        body = _body(model, params, prompt=prompt)
        return _text_completion(*self._send("POST", "/completions", body, timeout))

    async def acompletion(
        self, prompt: str | list[int], *, model: str, timeout: float | None = None, **params: Any
    ) -> Completion:
        body = _body(model, params, prompt=prompt)
        return _text_completion(*await self._asend("POST", "/completions", body, timeout))

    def models(self, *, timeout: float | None = None) -> list[str]:
        """The ids ``GET /models`` lists."""
        return _model_ids(*self._send("GET", "/models", None, timeout))

    async def amodels(self, *, timeout: float | None = None) -> list[str]:
        return _model_ids(*await self._asend("GET", "/models", None, timeout))


# -- reading answers ---------------------------------------------------------------------------


def _body(model: str, params: dict[str, Any], **payload: Any) -> dict[str, Any]:
    # None means "the server's default": leave it out rather than send null.
    return {"model": model, **payload, **{k: v for k, v in params.items() if v is not None}}


def _not_an_answer(what: str, reply: httpx.Response, call: Call) -> LLMResponseError:
    return LLMResponseError(f"not a {what} answer from {call.url}: {reply.text[:300]!r}")


def _json(reply: httpx.Response, call: Call, what: str) -> Any:
    try:
        return reply.json()
    except ValueError:
        raise _not_an_answer(what, reply, call) from None


def _first_choice(reply: httpx.Response, call: Call, what: str) -> tuple[dict[str, Any], Any]:
    data = _json(reply, call, what)
    try:
        choice = data["choices"][0]
    except (KeyError, IndexError, TypeError):
        raise _not_an_answer(what, reply, call) from None
    if not isinstance(choice, dict):
        raise _not_an_answer(what, reply, call)
    return data, choice


def _floats(values: Any) -> list[float]:
    if not isinstance(values, list):
        return []
    return [float(v) if isinstance(v, (int, float)) else math.nan for v in values]


def _completion(
    data: dict[str, Any], choice: dict[str, Any], call: Call, **fields: Any
) -> Completion:
    ids = choice.get("token_ids")
    usage = data.get("usage")
    return Completion(
        finish_reason=str(choice.get("finish_reason") or ""),
        token_ids=ids if isinstance(ids, list) and all(isinstance(i, int) for i in ids) else [],
        latency_s=call.elapsed(),
        attempts=call.attempts,
        usage=usage if isinstance(usage, dict) else {},
        **fields,
    )


def _chat_completion(reply: httpx.Response, call: Call) -> Completion:
    data, choice = _first_choice(reply, call, "chat-completions")
    message = choice.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(message, dict) or not isinstance(content, (str, type(None))):
        kind = type(content).__name__
        raise LLMResponseError(f"the chat message from {call.url} holds {kind}, not text")
    lp = choice.get("logprobs")
    entries = lp.get("content") if isinstance(lp, dict) else None
    logprobs = _floats([e.get("logprob") if isinstance(e, dict) else None for e in entries or []])
    # None content is a reply with no text (a refusal, a tool call): empty, not an error.
    return _completion(data, choice, call, text=content or "", logprobs=logprobs)


def _text_completion(reply: httpx.Response, call: Call) -> Completion:
    data, choice = _first_choice(reply, call, "completions")
    text = choice.get("text")
    if not isinstance(text, str):
        raise LLMResponseError(f"the completion from {call.url} holds no text")
    lp = choice.get("logprobs")
    logprobs = _floats(lp.get("token_logprobs") if isinstance(lp, dict) else None)
    return _completion(data, choice, call, text=text, logprobs=logprobs)


def _model_ids(reply: httpx.Response, call: Call) -> list[str]:
    data = _json(reply, call, "models")
    try:
        return [str(m["id"]) for m in data["data"]]
    except (KeyError, TypeError):
        raise _not_an_answer("models", reply, call) from None
