"""``ServiceConfig``: every setting of ``m1env serve``, validated on construction.

The job store, broker and job policy are the queue's own settings: ``ServiceConfig.queue``
holds a :class:`~m1env.queue.QueueConfig` (one source for their defaults and checks).

Environment fallbacks (used by :meth:`ServiceConfig.from_env`): ``M1ENV_API_KEYS``
(comma-separated; empty = no authentication), and those of
:meth:`QueueConfig.from_env <m1env.queue.QueueConfig.from_env>`: ``M1ENV_DATABASE_URL``
(the job store), ``M1ENV_BROKER_URL`` (queue mode; default ``redis://127.0.0.1:6379/0``),
``M1ENV_MAX_ATTEMPTS``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from typing import Literal

from m1env import settings
from m1env.queue.config import QueueConfig

__all__ = ["MODES", "Mode", "ServiceConfig"]

Mode = Literal["embedded", "queue"]
MODES: tuple[Mode, ...] = ("embedded", "queue")


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
    ``max_attempts`` matter).
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
        values.update(given)
        return cls(**values)  # type: ignore[arg-type]
