"""``ServiceConfig``: every setting of ``m1env serve``, validated on construction.

Environment fallbacks (used by :meth:`ServiceConfig.from_env`): ``M1ENV_API_KEYS``
(comma-separated; empty = no authentication), ``M1ENV_DATABASE_URL`` (the job store),
``M1ENV_BROKER_URL`` (queue mode; default ``redis://127.0.0.1:6379/0``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Literal

from m1env import settings

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
    per batch request. ``rate_limit``: requests per second per key (or per client
    address without keys), with bursts of ``rate_burst``; 0 disables it.
    ``sync_timeout_s``: how long ``/v1/score`` waits in queue mode before answering
    504 with the job id. ``reward_verifier``: the verifier ``/get_reward`` uses when
    the request does not name one.
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
    database_url: str | None = None
    broker_url: str = "redis://127.0.0.1:6379/0"
    max_attempts: int = 3
    chunk_size: int = 16
    reward_verifier: str = "math"

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        for name in ("workers", "max_body_bytes", "max_json_depth", "max_batch", "rate_burst"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.max_attempts < 1 or self.chunk_size < 1:
            raise ValueError("max_attempts and chunk_size must be at least 1")
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
        """A config from the environment variables above, then ``overrides``."""
        values: dict[str, object] = {}
        if keys := settings.API_KEYS.get_list():
            values["api_keys"] = frozenset(keys)
        if url := settings.DATABASE_URL.get():
            values["database_url"] = url
        if url := settings.BROKER_URL.get():
            values["broker_url"] = url
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
