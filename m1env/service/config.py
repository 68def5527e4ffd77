"""``ServiceConfig``: every setting of ``m1env serve``, validated on construction.

The job store, broker and job policy are the queue's own settings: ``ServiceConfig.queue``
holds a :class:`~m1env.queue.QueueConfig` (one source for their defaults and checks).

Environment fallbacks (used by :meth:`ServiceConfig.from_env`): ``M1ENV_API_KEYS``
(comma-separated; empty = no authentication), ``M1ENV_ALLOWED_HOSTS`` (comma-separated
names served besides the loopback ones; ``*`` = any), and those of
:meth:`QueueConfig.from_env <m1env.queue.QueueConfig.from_env>`: ``M1ENV_DATABASE_URL``
(the job store), ``M1ENV_BROKER_URL`` (queue mode; default ``redis://127.0.0.1:6379/0``),
``M1ENV_MAX_ATTEMPTS``.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field, fields
from typing import Literal

from m1env import settings
from m1env.queue.config import QueueConfig

__all__ = ["LOOPBACK_NAMES", "MODES", "Mode", "ServiceConfig", "host_of", "is_loopback"]

Mode = Literal["embedded", "queue"]
MODES: tuple[Mode, ...] = ("embedded", "queue")

# Always served: a browser sends one of these as Host only when its user typed it, and then
# the page is this service's own origin, so no DNS-rebinding site can present them.
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_NAME = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?")
_AUTHORITY = re.compile(r"(?:\[(?P<ip6>[0-9a-f:.]+)\]|(?P<name>[a-z0-9_.-]+))(?::[0-9]{1,5})?")


def _canonical(name: str) -> str | None:
    """``name`` lowercased, an IP address in its canonical form, no trailing dot."""
    name = name.lower()
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return name.rstrip(".") if _NAME.fullmatch(name) else None


def host_of(authority: str | None) -> str | None:
    """The host of a ``Host`` header or a URL's ``host[:port]`` (``[v6]`` bracketed), in
    the form :class:`ServiceConfig` keeps ``allowed_hosts``; None when it is not one."""
    found = _AUTHORITY.fullmatch((authority or "").strip().lower())
    if found is None:
        return None
    return _canonical(found["ip6"] or found["name"])


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` serves this machine only (``localhost``, 127.0.0.0/8, ::1)."""
    name = host.strip().removeprefix("[").removesuffix("]").lower().rstrip(".")
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


@dataclass(frozen=True)
class ServiceConfig:
    """Settings of the scoring service.

    ``mode``: ``embedded`` scores in a local killable process pool (no Redis);
    ``queue`` sends every job through Celery and reads the result from SQL.
    ``workers``: size of the embedded process pool. ``api_keys``: accepted keys
    (``Authorization: Bearer KEY``, ``X-API-Key: KEY`` or ``?api_key=KEY`` for clients
    that can only be given a URL); empty means open. ``max_body_bytes``: larger
    requests get 413. ``max_json_depth``: deeper JSON gets 400. ``max_batch``: items
    per batch request. ``rate_limit``: requests per second per configured key (every
    other caller: per client address), with bursts of ``rate_burst``; 0 disables it.
    ``sync_timeout_s``: how long ``/v1/score`` waits in queue mode before answering
    504 with the job id. ``reward_verifier``: the verifier ``/get_reward`` uses when
    the request does not name one. ``queue``: the job store (``database_url``), the
    broker, ``max_attempts`` and ``chunk_size`` (in embedded mode only the store and
    ``max_attempts`` matter). ``allowed_hosts``: names and addresses a request's ``Host``
    (and ``Origin``, when sent) may carry besides :data:`LOOPBACK_NAMES`, which are always
    allowed; ``"*"`` allows any (see :mod:`m1env.service.guard`). ``m1env serve`` adds the
    address it binds.
    """

    mode: Mode = "embedded"
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    api_keys: frozenset[str] = frozenset()
    max_body_bytes: int = 16 * 1024 * 1024
    max_json_depth: int = 64
    max_batch: int = 4096
    rate_limit: float = 0.0
    rate_burst: int = 100
    sync_timeout_s: float = 120.0
    reward_verifier: str = "math"
    queue: QueueConfig = field(default_factory=QueueConfig)
    allowed_hosts: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        for name in ("workers", "max_body_bytes", "max_json_depth", "max_batch", "rate_burst"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not isinstance(self.queue, QueueConfig):
            raise ValueError(f"queue must be a QueueConfig, got {type(self.queue).__name__}")
        if self.rate_limit < 0:
            raise ValueError(f"rate_limit must be >= 0, got {self.rate_limit}")
        if self.sync_timeout_s <= 0:
            raise ValueError(f"sync_timeout_s must be positive, got {self.sync_timeout_s}")
        keys = frozenset(self.api_keys)
        if any(not k or not k.isprintable() or " " in k for k in keys):
            raise ValueError("API keys must be non-empty printable strings without spaces")
        object.__setattr__(self, "api_keys", keys)
        hosts = set()
        for given in self.allowed_hosts:
            bare = given.strip().removeprefix("[").removesuffix("]")
            host = "*" if bare == "*" else _canonical(bare)
            if host is None:
                raise ValueError(
                    f"allowed host {given!r} must be a host name or IP address, without "
                    "scheme, port or wildcard (or '*' for any)"
                )
            hosts.add(host)
        object.__setattr__(self, "allowed_hosts", frozenset(hosts))

    @classmethod
    def from_env(cls, **overrides: object) -> ServiceConfig:
        """A config from the environment variables above, then ``overrides``.

        ``overrides`` may name :class:`QueueConfig` fields too (``database_url=``,
        ``broker_url=``, ...: the flags of ``m1env serve``); they go to ``queue``.
        """
        given = {k: v for k, v in overrides.items() if v is not None}
        queue_fields = {f.name for f in fields(QueueConfig)}
        queue = {k: given.pop(k) for k in list(given) if k in queue_fields}
        values: dict[str, object] = {"queue": QueueConfig.from_env(**queue)}
        if keys := settings.API_KEYS.get_list():
            values["api_keys"] = frozenset(keys)
        if hosts := settings.ALLOWED_HOSTS.get_list():
            values["allowed_hosts"] = frozenset(hosts)
        values.update(given)
        return cls(**values)  # type: ignore[arg-type]
