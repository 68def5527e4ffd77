"""``QueueConfig``: the Celery and job-policy settings, validated on construction.

Environment fallbacks (:meth:`QueueConfig.from_env`): ``M1ENV_BROKER_URL``,
``M1ENV_DATABASE_URL``, ``M1ENV_MAX_ATTEMPTS``.
"""

from __future__ import annotations

from dataclasses import dataclass

from m1env import settings

__all__ = ["QueueConfig"]


@dataclass(frozen=True)
class QueueConfig:
    """Queue settings.

    ``time_limit_s`` is Celery's hard limit for one task (a chunk of jobs); it must be
    below ``visibility_timeout_s``, the time after which Redis hands an unacknowledged
    message to another worker -- otherwise a slow but live task would be delivered
    twice. ``max_attempts``: deliveries of one job before it ends as ``error``.
    ``chunk_size``: the most jobs per Celery message (a fresh chunk is started and its
    Scores written in a few transactions, so big chunks are cheap; see
    :mod:`m1env.queue.dispatch` for how a batch is spread). ``stale_after_s``: a ``queued`` job not
    touched for this long is published again by the sweeper (messages that Redis
    lost on a restart are recovered this way). ``lease_s``: a delivery renews the lease
    of its message's jobs every ``lease_s / 4`` seconds while it runs
    (:class:`~m1env.queue.lease.Lease`); a ``running`` job whose lease was not renewed
    for ``lease_s`` -- its worker died, or was killed by the hard time limit -- is
    published again by the sweeper, whatever the time limit: at the defaults within
    ``lease_s + sweep_interval_s`` = 30 s of the death. A live delivery keeps renewing,
    so a live job is not run twice (were it, exactly-once holds in SQL).
    ``sweep_interval_s``: how often the sweeper looks (0: never). ``publish_timeout_s``:
    the longest wait for the broker on one connect or socket read/write -- with Redis down
    or hung a submit gives up this soon and leaves its jobs to the sweeper, so the
    service's ``POST /v1/jobs`` still answers within about a second.
    """

    broker_url: str = "redis://127.0.0.1:6379/0"
    database_url: str | None = None
    time_limit_s: float = 300.0
    visibility_timeout_s: float = 3600.0
    max_attempts: int = 3
    chunk_size: int = 64
    stale_after_s: float = 60.0
    lease_s: float = 20.0
    sweep_interval_s: float = 10.0
    publish_timeout_s: float = 0.5

    def __post_init__(self) -> None:
        if not self.broker_url.startswith(("redis://", "rediss://", "memory://")):
            raise ValueError(f"broker_url must be a redis:// URL, got {self.broker_url!r}")
        if self.time_limit_s <= 0:
            raise ValueError(f"time_limit_s must be positive, got {self.time_limit_s}")
        if self.time_limit_s >= self.visibility_timeout_s:
            raise ValueError(
                f"time_limit_s ({self.time_limit_s:g}) must be below visibility_timeout_s "
                f"({self.visibility_timeout_s:g}) or live tasks would be redelivered"
            )
        if self.max_attempts < 1 or self.chunk_size < 1:
            raise ValueError("max_attempts and chunk_size must be at least 1")
        if self.publish_timeout_s <= 0:
            raise ValueError(f"publish_timeout_s must be positive, got {self.publish_timeout_s}")
        if self.stale_after_s <= 0 or self.sweep_interval_s < 0:
            raise ValueError("stale_after_s must be positive and sweep_interval_s >= 0")
        if self.lease_s <= 0:
            raise ValueError(f"lease_s must be positive, got {self.lease_s}")

    @property
    def running_stale_after_s(self) -> float:
        """How long a ``running`` job's lease may go unrenewed before it is re-sent."""
        return self.lease_s

    @property
    def renew_every_s(self) -> float:
        """How often a delivery renews its jobs' lease."""
        return self.lease_s / 4

    @classmethod
    def from_env(cls, **overrides: object) -> QueueConfig:
        values: dict[str, object] = {}
        if url := settings.BROKER_URL.get():
            values["broker_url"] = url
        if url := settings.DATABASE_URL.get():
            values["database_url"] = url
        if (attempts := settings.MAX_ATTEMPTS.get_int(minimum=1)) is not None:
            values["max_attempts"] = attempts
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
