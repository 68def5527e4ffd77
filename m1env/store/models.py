"""SQLAlchemy 2 models of the episode store (the schema; the API is in ``store.py``).

Tables: ``tasks``, ``episodes``, ``steps`` (turns of multi-turn episodes), ``scores``,
``scoring_jobs``, ``judge_calls`` and ``monitor_readings``. Every table that stores
free text has a ``sanitized`` JSON column recording what the text policy of
:mod:`m1env.store.sanitize` replaced (NULL when nothing was).

Database-enforced invariants (the API relies on them, so a buggy or concurrent caller
cannot break them):

* ``scoring_jobs.idempotency_key`` is unique: one job per key.
* ``scores.job_id`` is unique: at most one score per job, however often it is finished.
* ``scores.status`` is ``correct | incorrect | error``; ``scores.score`` lies in [0, 1];
  a score belongs to an episode or a job (or both).
* ``scoring_jobs.state`` is ``queued | running | done | failed``; ``attempts >= 0``.
* ``steps`` are unique per ``(episode_id, turn)``.

Changing anything here needs a new Alembic revision (``tests/store`` checks that the
models and the migrations agree on SQLite and PostgreSQL).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from m1env.store.types import BigId, JSONType, UTCDateTime, utcnow

__all__ = [
    "JOB_STATES",
    "SCORE_STATUSES",
    "Base",
    "EpisodeRow",
    "JudgeCallRow",
    "MonitorReadingRow",
    "ScoreRow",
    "ScoringJobRow",
    "StepRow",
    "TaskRow",
]

SCORE_STATUSES = ("correct", "incorrect", "error")
JOB_STATES = ("queued", "running", "done", "failed")

# Stable constraint names, so that migrations can name what they alter or drop.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012
        dict[str, Any]: JSONType,
        Any: JSONType,
        datetime: UTCDateTime(),
    }


class TaskRow(Base):
    __tablename__ = "tasks"

    id: Mapped[str] = mapped_column(String(512), primary_key=True)
    env: Mapped[str] = mapped_column(String(255), index=True)
    prompt: Mapped[Any] = mapped_column(JSONType)
    reference: Mapped[Any] = mapped_column(JSONType, nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType)
    sanitized: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EpisodeRow(Base):
    __tablename__ = "episodes"
    __table_args__ = (
        CheckConstraint(_in("status", SCORE_STATUSES), name="status"),
        Index(None, "run_id", "env"),
        Index(None, "env", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id"), index=True)
    env: Mapped[str] = mapped_column(String(255))
    run_id: Mapped[str | None] = mapped_column(String(255))
    policy: Mapped[str | None] = mapped_column(String(255))
    group_id: Mapped[str | None] = mapped_column(String(255), index=True)
    seed: Mapped[int | None] = mapped_column(BigInteger)
    response: Mapped[str] = mapped_column(Text)
    response_chars: Mapped[int] = mapped_column(Integer)
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    response_tokens: Mapped[int | None] = mapped_column(Integer)
    # The primary score, copied from its scores row so aggregates need no join.
    reward: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str | None] = mapped_column(String(16))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType)
    sanitized: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StepRow(Base):
    __tablename__ = "steps"
    __table_args__ = (Index(None, "episode_id", "turn", unique=True),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    turn: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(Text)
    observation: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str | None] = mapped_column(String(32))
    reward: Mapped[float | None] = mapped_column(Float)
    info: Mapped[dict[str, Any]] = mapped_column(JSONType)
    sanitized: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScoringJobRow(Base):
    __tablename__ = "scoring_jobs"
    __table_args__ = (
        CheckConstraint(_in("state", JOB_STATES), name="state"),
        CheckConstraint("attempts >= 0", name="attempts"),
        Index(None, "state", "updated_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    verifier: Mapped[str] = mapped_column(String(255))
    payload: Mapped[Any] = mapped_column(JSONType)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Circular with scores.job_id; use_alter lets PostgreSQL add it after both tables.
    result_score_id: Mapped[int | None] = mapped_column(
        ForeignKey("scores.id", use_alter=True, ondelete="SET NULL")
    )
    sanitized: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()


class ScoreRow(Base):
    __tablename__ = "scores"
    __table_args__ = (
        CheckConstraint(_in("status", SCORE_STATUSES), name="status"),
        CheckConstraint("score >= 0 AND score <= 1", name="score_range"),
        CheckConstraint("episode_id IS NOT NULL OR job_id IS NOT NULL", name="owner"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    episode_id: Mapped[int | None] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), index=True
    )
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("scoring_jobs.id", ondelete="CASCADE"), unique=True
    )
    verifier: Mapped[str | None] = mapped_column(String(255))
    score: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType)
    latency_s: Mapped[float | None] = mapped_column(Float)
    sanitized: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class JudgeCallRow(Base):
    __tablename__ = "judge_calls"
    __table_args__ = (Index(None, "model", "template_version", "prompt_hash"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    model: Mapped[str] = mapped_column(String(255))
    template_version: Mapped[str] = mapped_column(String(64))
    prompt_hash: Mapped[str] = mapped_column(String(128))
    request: Mapped[Any] = mapped_column(JSONType)
    response: Mapped[Any] = mapped_column(JSONType, nullable=True)
    status: Mapped[str] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    latency_s: Mapped[float | None] = mapped_column(Float)
    episode_id: Mapped[int | None] = mapped_column(
        ForeignKey("episodes.id", ondelete="SET NULL"), index=True
    )
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("scoring_jobs.id", ondelete="SET NULL"), index=True
    )
    sanitized: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MonitorReadingRow(Base):
    __tablename__ = "monitor_readings"
    __table_args__ = (
        Index(None, "run_id", "metric", "window_index"),
        Index(None, "alarm", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[str | None] = mapped_column(String(255))
    # "window" is a reserved word in PostgreSQL; the attribute keeps the short name.
    window: Mapped[int] = mapped_column("window_index", Integer)
    metric: Mapped[str] = mapped_column(String(255))
    value: Mapped[float | None] = mapped_column(Float)
    alarm: Mapped[bool] = mapped_column(Boolean, default=False)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType)
    sanitized: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
