"""The service's front door: an ASGI middleware that refuses bad requests cheaply.

In order, before any route runs:

1. **Host and Origin**: the ``Host`` header must name an allowed host: the loopback names
   (``localhost``, ``127.0.0.1``, ``[::1]``, always), the address ``m1env serve`` binds (the
   machine's hostname when it binds every interface), and ``allowed_hosts``
   (``--allowed-host``, ``M1ENV_ALLOWED_HOSTS``; ``*`` turns this check off). Anything else,
   or no Host at all, is 400, as Starlette's ``TrustedHostMiddleware`` and Django's
   ``ALLOWED_HOSTS`` answer it (421 Misdirected Request invites a client to retry on
   another connection, where it would only be refused again). An ``Origin`` header, which
   browsers add to cross-origin requests and to every POST, must name an allowed host too,
   else 403. Together they stop DNS rebinding (a page whose own name has been made to
   resolve to this service sends ``Host: its-name``) and posts from other sites' pages.
   Ports are not compared (neither Starlette nor Django compares them). Health probes,
   scrapers and proxies must send an allowed Host as well.
2. **API key** (when keys are configured): ``Authorization: Bearer KEY``,
   ``X-API-Key: KEY`` or the query parameter ``api_key=KEY`` (for trainers that are
   only given a URL, such as verl's ``sandbox_fusion_url`` or OpenRLHF's
   ``remote_rm_url``). Missing or wrong: 401. ``/healthz``, ``/metrics`` and the
   OpenAPI documents stay open.
3. **Rate limit**: a token bucket per configured API key; every other caller (no keys
   configured, or a key that is not one of them) shares its client address's bucket, so
   inventing a new ``X-API-Key`` per request buys no fresh tokens. Empty: 429 with
   ``Retry-After``.
4. **Media type**: a POST, PUT or PATCH must say ``Content-Type: application/json``
   (parameters such as ``; charset=utf-8`` allowed); anything else, or none, is 415 before
   a byte of the body is read. Browsers send forms and ``text/plain`` bodies to any site
   without asking, but ``application/json`` only after a CORS preflight this service never
   grants, so no web page can post a job here on behalf of whoever visits it.
5. **Size**: a ``Content-Length`` over the limit is refused before a byte of the body
   is read; a body without one (chunked) is counted while it streams and refused the
   moment it passes the limit. Either way 413; the body is never held in full.
6. **JSON well-formedness** of every body: invalid UTF-8 (which is how raw lone
   surrogates arrive) and raw control characters such as a NUL byte are 400;
   nesting deeper than ``max_json_depth`` is 400, measured with a vectorised scan
   *before* parsing, so 100,000 levels cost milliseconds and no recursion.

Escaped ``\\u0000`` and lone ``\\udXXX`` escapes are valid JSON; they reach the
routes, which replace them with U+FFFD (see :mod:`m1env.service.scoring`).
"""

from __future__ import annotations

import json
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np

from m1env.service.config import LOOPBACK_NAMES, ServiceConfig, host_of

__all__ = ["OPEN_PATHS", "Guard", "TokenBuckets", "json_depth"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

OPEN_PATHS = frozenset({"/healthz", "/metrics", "/openapi.json", "/docs", "/redoc"})
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_DEPTH_TABLE = np.zeros(256, dtype=np.int8)
_DEPTH_TABLE[[ord("["), ord("{")]] = 1
_DEPTH_TABLE[[ord("]"), ord("}")]] = -1


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays/objects in ``body`` (strings are skipped)."""
    if b"[" not in body and b"{" not in body:
        return 0
    stripped = _STRING.sub(b"", body)
    steps = _DEPTH_TABLE[np.frombuffer(stripped, dtype=np.uint8)]
    if steps.size == 0:
        return 0
    return int(np.cumsum(steps, dtype=np.int64).max())


class TokenBuckets:
    """``rate`` tokens per second per key, up to ``burst``; the oldest keys are forgotten."""

    def __init__(self, rate: float, burst: int, *, max_keys: int = 100_000) -> None:
        self.rate, self.burst, self.max_keys = rate, burst, max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str, now: float | None = None) -> float:
        """0 if a token was taken, else the seconds until one is available."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return wait


def _is_json(content_type: str | None) -> bool:
    """``application/json``, with or without parameters (``; charset=utf-8``)."""
    if content_type is None:
        return False
    return content_type.split(";", 1)[0].strip().lower() == "application/json"


async def _reply(send: Send, status: int, message: str, headers: dict[str, str] | None = None):
    body = json.dumps({"detail": message}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """The middleware described in the module docstring.

    ``on_reject(reason)`` is called for each refusal (the metrics count them).
    """

    def __init__(
        self,
        app: ASGIApp,
        config: ServiceConfig,
        on_reject: Callable[[str], None] | None = None,
    ) -> None:
        self.app = app
        self.config = config
        self.on_reject = on_reject or (lambda reason: None)
        self.buckets = (
            TokenBuckets(config.rate_limit, config.rate_burst) if config.rate_limit else None
        )
        # None: any Host and Origin ("*").
        self.hosts = None if "*" in config.allowed_hosts else LOOPBACK_NAMES | config.allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path = scope.get("path", "")
        if self.hosts is not None and not await self._host_allowed(self.hosts, headers, send):
            return
        key = self._key(scope, headers)
        if self.config.api_keys and path not in OPEN_PATHS and key not in self.config.api_keys:
            self.on_reject("auth")
            what = "a missing" if key is None else "an unknown"
            await _reply(
                send,
                401,
                f"{what} API key: send 'Authorization: Bearer KEY', 'X-API-Key: KEY' "
                "or '?api_key=KEY'",
                {"www-authenticate": "Bearer"},
            )
            return
        if self.buckets is not None and path not in OPEN_PATHS:
            # Only a configured key earns a bucket of its own: any other string in the key
            # headers is the caller's to invent, one fresh bucket per request.
            client = scope.get("client") or ("?", 0)
            known = key is not None and key in self.config.api_keys
            wait = self.buckets.take(f"key:{key}" if known else f"addr:{client[0]}")
            if wait > 0:
                self.on_reject("rate")
                await _reply(
                    send,
                    429,
                    f"rate limit of {self.config.rate_limit:g} requests/s exceeded; retry later",
                    {"retry-after": str(max(1, round(wait + 0.5)))},
                )
                return
        if scope.get("method") in ("POST", "PUT", "PATCH"):
            given = headers.get("content-type")
            if not _is_json(given):
                # Every body route takes JSON. A browser sends a cross-site form (or a
                # text/plain "JSON" body) without asking first; application/json it only
                # sends after a CORS preflight, which this service never grants.
                self.on_reject("media_type")
                what = "no Content-Type" if given is None else f"Content-Type {given[:80]!r}"
                await _reply(
                    send, 415, f"request bodies must be sent as application/json, got {what}"
                )
                return
            body = await self._read_body(receive, send, headers)
            if body is None:
                return
            if not await self._check_json(body, send):
                return
            await self.app(scope, _replay(body, receive), send)
            return
        await self.app(scope, receive, send)

    async def _host_allowed(
        self, hosts: frozenset[str], headers: dict[str, str], send: Send
    ) -> bool:
        fix = "(the server allows more with --allowed-host or M1ENV_ALLOWED_HOSTS)"
        given = headers.get("host")
        if host_of(given) not in hosts:
            self.on_reject("host")
            what = "no Host header" if given is None else f"Host {given[:100]!r}"
            await _reply(send, 400, f"{what} is not served here {fix}")
            return False
        origin = headers.get("origin")
        if origin is not None:
            try:
                netloc = urlsplit(origin).netloc
            except ValueError:  # e.g. an unclosed "[" in the authority
                netloc = ""
            # "null" (sandboxed frames, file: pages) has no host and is refused too.
            if host_of(netloc) not in hosts:
                self.on_reject("origin")
                await _reply(
                    send, 403, f"cross-origin request from Origin {origin[:100]!r} refused {fix}"
                )
                return False
        return True

    @staticmethod
    def _key(scope: Scope, headers: dict[str, str]) -> str | None:
        auth = headers.get("authorization", "")
        if auth[:7].lower() == "bearer ":
            return auth[7:].strip()
        if "x-api-key" in headers:
            return headers["x-api-key"].strip()
        query = scope.get("query_string", b"")
        if b"api_key=" in query:
            values = parse_qs(query.decode("latin-1")).get("api_key")
            if values:
                return values[0]
        return None

    async def _read_body(
        self, receive: Receive, send: Send, headers: dict[str, str]
    ) -> bytes | None:
        limit = self.config.max_body_bytes
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                self.on_reject("size")
                await _reply(send, 400, f"invalid Content-Length {declared[:40]!r}")
                return None
            if int(declared) > limit:
                self.on_reject("size")
                await _reply(
                    send,
                    413,
                    f"request body of {int(declared)} bytes exceeds the limit of {limit} bytes",
                )
                return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                self.on_reject("size")
                await _reply(
                    send, 413, f"request body exceeds the limit of {limit} bytes (streamed)"
                )
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _check_json(self, body: bytes, send: Send) -> bool:
        problem = None
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            problem = (
                f"request body is not valid UTF-8 ({exc.reason} at byte {exc.start}); "
                "lone surrogates must be sent as \\u escapes"
            )
        else:
            depth = json_depth(body)
            if depth > self.config.max_json_depth:
                problem = (
                    f"JSON nested {depth} levels deep; the limit is {self.config.max_json_depth}"
                )
            elif body.strip():
                try:
                    json.loads(text)
                except json.JSONDecodeError as exc:
                    problem = f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
                except RecursionError:
                    problem = "JSON nested too deeply"
                except ValueError as exc:  # e.g. an integer literal of 5,000 digits
                    problem = f"unparsable JSON value: {exc}"
        if problem is None:
            return True
        self.on_reject("json")
        await _reply(send, 400, problem)
        return False


def _replay(body: bytes, original: Receive) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()  # blocks until the client really disconnects

    return receive
