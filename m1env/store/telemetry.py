"""Judge calls and monitor readings: the generative reward model's audit trail.

* :meth:`record_judge_call` keeps every call to a judge model: model, prompt-template
  version, a hash of the rendered prompt (the cache key, with model and template
  version), the request and response JSON, status, latency, and the episode or job it
  served. :meth:`cached_judge_response` finds the latest ``ok`` response for a key.
* :meth:`record_reading` keeps one metric of one monitoring window (e.g. the
  within-group reward-length correlation of window 12) with an ``alarm`` flag and
  JSON details; a remedy applied after an alarm is a reading too, so the before and
  after stay side by side. A NaN or infinite ``value`` (a correlation of constant
  lengths) is stored as NULL and noted in ``sanitized``.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import func, select

from m1env.errors import StoreError
from m1env.store.base import StoreBase, ident, integer, number
from m1env.store.models import JudgeCallRow, MonitorReadingRow
from m1env.store.records import ReadingRecord
from m1env.store.sanitize import Report

__all__ = ["TelemetryAPI"]


class TelemetryAPI(StoreBase):
    """The judge and monitor half of :class:`~m1env.store.EpisodeStore`."""

    def record_judge_call(
        self,
        *,
        model: str,
        template_version: str,
        prompt_hash: str,
        request: Any,
        response: Any,
        status: str,
        latency_s: float | None = None,
        error: str | None = None,
        episode_id: int | None = None,
        job_id: int | None = None,
    ) -> int:
        """Store one judge call; returns its id."""
        report = Report()
        row = JudgeCallRow(
            model=ident(model, "model"),
            template_version=ident(template_version, "template_version", max_chars=64),
            prompt_hash=ident(prompt_hash, "prompt_hash", max_chars=128),
            request=self._json(request, "request", report),
            response=self._json(response, "response", report),
            status=ident(status, "status", max_chars=32),
            error=self._text(error, "error", report, nullable=True),
            latency_s=number(latency_s, "latency_s"),
            episode_id=integer(episode_id, "episode_id"),
            job_id=integer(job_id, "job_id"),
        )
        row.sanitized = report.as_json()
        with self._tx("record_judge_call") as session:
            session.add(row)
            session.flush()
            return row.id

    def cached_judge_response(self, model: str, template_version: str, prompt_hash: str) -> Any:
        """The newest ``ok`` response stored for this (model, template, prompt), or None."""
        with self._tx("cached_judge_response", write=False) as session:
            return session.execute(
                select(JudgeCallRow.response)
                .where(
                    JudgeCallRow.model == ident(model, "model"),
                    JudgeCallRow.template_version == ident(template_version, "template_version"),
                    JudgeCallRow.prompt_hash == ident(prompt_hash, "prompt_hash"),
                    JudgeCallRow.status == "ok",
                )
                .order_by(JudgeCallRow.id.desc())
                .limit(1)
            ).scalar_one_or_none()

    def record_reading(
        self,
        metric: str,
        window: int,
        value: float | None,
        *,
        alarm: bool = False,
        details: dict[str, Any] | None = None,
        run_id: str | None = None,
    ) -> int:
        """Store one monitor reading; returns its id."""
        if not isinstance(alarm, bool):
            raise StoreError(f"alarm must be a bool, got {type(alarm).__name__}")
        if details is not None and not isinstance(details, dict):
            raise StoreError(f"details must be a dict, got {type(details).__name__}")
        report = Report()
        if isinstance(value, float) and not math.isfinite(value):
            report.add("value", "nonfinite")
            value = None
        row = MonitorReadingRow(
            metric=ident(metric, "metric"),
            window=integer(window, "window", kind="int32", nullable=False),
            value=number(value, "value"),
            alarm=alarm,
            details=self._json(details or {}, "details", report),
            run_id=ident(run_id, "run_id", nullable=True),
        )
        row.sanitized = report.as_json()
        with self._tx("record_reading") as session:
            session.add(row)
            session.flush()
            return row.id

    def latest_readings(self, prefix: str = "") -> dict[str, tuple[float | None, bool]]:
        """Per metric starting with ``prefix``: the newest reading's (value, alarm)."""
        newest = (
            select(MonitorReadingRow.metric, func.max(MonitorReadingRow.id).label("id"))
            .where(MonitorReadingRow.metric.startswith(prefix, autoescape=True))
            .group_by(MonitorReadingRow.metric)
            .subquery()
        )
        query = select(MonitorReadingRow.metric, MonitorReadingRow.value, MonitorReadingRow.alarm)
        query = query.join(newest, MonitorReadingRow.id == newest.c.id)
        with self._tx("latest_readings", write=False) as session:
            return {m: (v, bool(a)) for m, v, a in session.execute(query)}

    def alarm_count(self, metric: str) -> int:
        """How many readings of ``metric`` raised an alarm."""
        query = select(func.count()).where(
            MonitorReadingRow.metric == ident(metric, "metric"), MonitorReadingRow.alarm.is_(True)
        )
        with self._tx("alarm_count", write=False) as session:
            return int(session.execute(query).scalar_one())

    def readings(
        self,
        *,
        metric: str | None = None,
        run_id: str | None = None,
        alarms_only: bool = False,
    ) -> list[ReadingRecord]:
        """Stored readings, oldest window first."""
        query = select(MonitorReadingRow).order_by(MonitorReadingRow.window, MonitorReadingRow.id)
        if metric is not None:
            query = query.where(MonitorReadingRow.metric == ident(metric, "metric"))
        if run_id is not None:
            query = query.where(MonitorReadingRow.run_id == ident(run_id, "run_id"))
        if alarms_only:
            query = query.where(MonitorReadingRow.alarm.is_(True))
        with self._tx("readings", write=False) as session:
            return [
                ReadingRecord(
                    id=r.id,
                    run_id=r.run_id,
                    window=r.window,
                    metric=r.metric,
                    value=r.value,
                    alarm=r.alarm,
                    details=dict(r.details),
                    created_at=r.created_at,
                )
                for r in session.execute(query).scalars()
            ]
