"""Typed HTTP clients for the scoring service, sync and async, with retries.

::

    from m1env.client import Client
    with Client("http://127.0.0.1:8000", api_key="...") as c:
        c.score("math", "<answer>4</answer>", "4")          # -> Score
        c.score_batch([("math", r, ref) for r, ref in pairs])  # -> list[Score]
        job = c.submit_job("math", r, ref, idempotency_key="ep-17")
        c.wait_job(job.id)                                   # -> Score

    async with AsyncClient(url) as c:
        await c.score(...)

Retries: connection errors, timeouts, and answers 429, 502, 503 and 504 are retried
up to ``retries`` times with exponential back-off and full jitter (``backoff`` s,
doubling, capped at ``max_backoff``), honouring ``Retry-After``. Scoring is safe to
retry: a score has no side effects, and a job submission is idempotent when it
carries an ``idempotency_key`` (the client makes one up when you do not, so a retried
submission never creates a second job). Any other 4xx raises :class:`ClientError`
at once with the server's message; exhausted retries raise :class:`ServiceUnavailable`.
``timeout`` is httpx's, per attempt and phase; a call has no overall deadline.

The retry engine and :class:`RetryPolicy` are :mod:`m1env.retry`'s, shared with the
OpenAI-compatible client (:mod:`m1env.llm`); this module sets its statuses and errors.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from m1env.errors import ClientError, M1EnvError, ServiceUnavailable
from m1env.retry import Call, RetryPolicy, asend, send
from m1env.verifiers.score import Score

__all__ = [
    "AsyncClient",
    "Client",
    "ClientError",
    "Job",
    "RetryPolicy",
    "ServiceUnavailable",
]

RETRY_STATUS = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class Job:
    id: int
    idempotency_key: str
    verifier: str
    state: str
    attempts: int
    last_error: str | None
    created: bool | None
    score: Score | None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Job:
        score = data.get("score")
        return cls(
            id=int(data["id"]),
            idempotency_key=str(data["idempotency_key"]),
            verifier=str(data["verifier"]),
            state=str(data["state"]),
            attempts=int(data["attempts"]),
            last_error=data.get("last_error"),
            created=data.get("created"),
            score=Score.from_dict(score) if score else None,
        )

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")


Item = tuple[str, str, Any] | tuple[str, str, Any, dict[str, Any] | None]


def _item(name: str, response: str, reference: Any, options: dict[str, Any] | None) -> dict:
    body: dict[str, Any] = {"verifier": name, "response": response, "reference": reference}
    if options:
        body["options"] = options
    return body


def _items(items: Iterable[Item]) -> list[dict[str, Any]]:
    out = []
    for it in items:
        name, response, reference = it[0], it[1], it[2]
        options = it[3] if len(it) > 3 else None
        out.append(_item(name, response, reference, options))
    return out


def _headers(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


def _failure(call: Call, reply: httpx.Response | None, exc: BaseException | None) -> M1EnvError:
    """One failed attempt as the error it raises: a refusal, or the service being unavailable."""
    if reply is not None and reply.status_code not in call.retry_status:
        try:
            detail = reply.json().get("detail", reply.text)
        except ValueError:
            detail = reply.text
        return ClientError(reply.status_code, str(detail))
    last = (
        f"HTTP {reply.status_code}: {reply.text[:200]}"
        if reply is not None
        else f"{type(exc).__name__}: {exc}"
    )
    return ServiceUnavailable(
        f"{call.method} {call.url} failed after {call.attempts} tries: {last}"
    )


def _call(retry: RetryPolicy, method: str, path: str) -> Call:
    return Call(method, path, retry, RETRY_STATUS, _failure)


class Client:
    """Blocking client. ``Client(base_url, api_key=None, timeout=120, retry=RetryPolicy())``."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout: float = 120.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self._http = httpx.Client(
            base_url=base_url, headers=_headers(api_key), timeout=timeout, transport=transport
        )

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        return send(self._http, _call(self.retry, method, path), **kwargs).json()

    def health(self) -> dict[str, Any]:
        return self._request("GET", "/healthz")

    def verifiers(self) -> list[dict[str, Any]]:
        return self._request("GET", "/v1/verifiers")

    def score(
        self, verifier: str, response: str, reference: Any, options: dict[str, Any] | None = None
    ) -> Score:
        body = _item(verifier, response, reference, options)
        return Score.from_dict(self._request("POST", "/v1/score", json=body))

    def score_batch(self, items: Iterable[Item]) -> list[Score]:
        data = self._request("POST", "/v1/score/batch", json={"items": _items(items)})
        return [Score.from_dict(d) for d in data["results"]]

    def submit_job(
        self,
        verifier: str,
        response: str,
        reference: Any,
        options: dict[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> Job:
        body = _item(verifier, response, reference, options)
        body["idempotency_key"] = idempotency_key or f"client-{uuid.uuid4()}"
        return Job.from_dict(self._request("POST", "/v1/jobs", json=body))

    def get_job(self, job_id: int) -> Job:
        return Job.from_dict(self._request("GET", f"/v1/jobs/{int(job_id)}"))

    def wait_job(self, job_id: int, *, timeout: float = 300.0, poll: float = 0.05) -> Score:
        deadline = time.monotonic() + timeout
        delay = poll
        while True:
            job = self.get_job(job_id)
            if job.finished and job.score is not None:
                return job.score
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} not finished after {timeout:g}s ({job.state})")
            time.sleep(delay)
            delay = min(delay * 1.5, 2.0)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient:
    """The asyncio twin of :class:`Client` (same methods, awaitable)."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout: float = 120.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 100,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self._http = httpx.AsyncClient(
            base_url=base_url,
            headers=_headers(api_key),
            timeout=timeout,
            transport=transport,
            limits=httpx.Limits(max_connections=max_connections),
        )

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        return (await asend(self._http, _call(self.retry, method, path), **kwargs)).json()

    async def health(self) -> dict[str, Any]:
        return await self._request("GET", "/healthz")

    async def verifiers(self) -> list[dict[str, Any]]:
        return await self._request("GET", "/v1/verifiers")

    async def score(
        self, verifier: str, response: str, reference: Any, options: dict[str, Any] | None = None
    ) -> Score:
        body = _item(verifier, response, reference, options)
        return Score.from_dict(await self._request("POST", "/v1/score", json=body))

    async def score_batch(self, items: Sequence[Item]) -> list[Score]:
        data = await self._request("POST", "/v1/score/batch", json={"items": _items(items)})
        return [Score.from_dict(d) for d in data["results"]]

    async def submit_job(
        self,
        verifier: str,
        response: str,
        reference: Any,
        options: dict[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> Job:
        body = _item(verifier, response, reference, options)
        body["idempotency_key"] = idempotency_key or f"client-{uuid.uuid4()}"
        return Job.from_dict(await self._request("POST", "/v1/jobs", json=body))

    async def get_job(self, job_id: int) -> Job:
        return Job.from_dict(await self._request("GET", f"/v1/jobs/{int(job_id)}"))

    async def wait_job(self, job_id: int, *, timeout: float = 300.0, poll: float = 0.05) -> Score:
        deadline = time.monotonic() + timeout
        delay = poll
        while True:
            job = await self.get_job(job_id)
            if job.finished and job.score is not None:
                return job.score
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} not finished after {timeout:g}s ({job.state})")
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 2.0)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
