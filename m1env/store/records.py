"""Plain, immutable views of stored rows: what the store API returns.

They carry no database session, so they can cross threads and processes, be pickled
into Celery results or dumped as JSON (:meth:`to_dict`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, NamedTuple

from m1env.verifiers.score import Score

__all__ = [
    "Accuracy",
    "Completion",
    "EpisodeRecord",
    "JobOutcome",
    "JobRecord",
    "OpenJob",
    "ReadingRecord",
    "StartedJob",
    "StepRecord",
]


class _Record:
    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)  # type: ignore[call-overload]
        return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in data.items()}


@dataclass(frozen=True)
class EpisodeRecord(_Record):
    id: int
    task_id: str
    env: str
    run_id: str | None
    policy: str | None
    group_id: str | None
    seed: int | None
    response: str
    response_chars: int
    prompt_tokens: int | None
    response_tokens: int | None
    reward: float | None
    status: str | None
    metadata: dict[str, Any]
    sanitized: dict[str, Any] | None
    started_at: datetime | None
    finished_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class StepRecord(_Record):
    episode_id: int
    turn: int
    action: str
    observation: str | None
    role: str | None
    reward: float | None
    info: dict[str, Any]
    sanitized: dict[str, Any] | None


@dataclass(frozen=True)
class JobRecord(_Record):
    id: int
    idempotency_key: str
    verifier: str
    payload: Any
    state: str
    attempts: int
    last_error: str | None
    result_score_id: int | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        """Done or failed: the job has its one score and is never scored again."""
        return self.state in ("done", "failed")


@dataclass(frozen=True)
class StartedJob:
    """A job whose delivery :meth:`EpisodeStore.start_attempts` just counted: what scoring
    it needs, so the worker does not read the job again."""

    id: int
    verifier: str
    payload: Any
    attempts: int
    last_error: str | None


@dataclass(frozen=True)
class OpenJob:
    """An unfinished job, without its payload (what splitting and re-publishing need)."""

    id: int
    verifier: str
    state: str
    attempts: int


class Completion(NamedTuple):
    """A job's result for :meth:`EpisodeStore.finish_jobs`: its Score (and how long the
    verifier took), or with ``error`` an ``error`` Score that ends it ``failed``."""

    job_id: int
    score: Score
    latency_s: float | None = None
    error: str | None = None


class JobOutcome(NamedTuple):
    """What :meth:`EpisodeStore.finish_job` / ``fail_job`` did.

    ``score_id`` is the job's one score; ``written`` is False when an earlier delivery
    had already finished the job and this call wrote nothing.
    """

    score_id: int
    written: bool
    score: Score


@dataclass(frozen=True)
class ReadingRecord(_Record):
    id: int
    run_id: str | None
    window: int
    metric: str
    value: float | None
    alarm: bool
    details: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class Accuracy(_Record):
    """Outcome counts of one group of episodes.

    ``accuracy`` is ``correct / (correct + incorrect)``: verification errors are an
    infrastructure signal, not a wrong answer, so they are counted apart
    (``error_rate = errors / episodes``); episodes stored without a score count in
    ``episodes`` only. ``accuracy`` is None when nothing was scored.
    """

    key: str | None
    episodes: int
    correct: int
    incorrect: int
    errors: int
    mean_reward: float | None
    mean_response_chars: float | None

    @property
    def accuracy(self) -> float | None:
        scored = self.correct + self.incorrect
        return self.correct / scored if scored else None

    @property
    def error_rate(self) -> float:
        return self.errors / self.episodes if self.episodes else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "accuracy": self.accuracy, "error_rate": self.error_rate}
