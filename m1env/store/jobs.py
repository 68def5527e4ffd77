"""Scoring jobs: exactly-once results for a queue that delivers at least once.

A worker's life with a job (``m1env.celery`` builds on this)::

    job, created = store.claim_job(key, "math", payload)   # submit; safe to repeat
    attempts = store.start_attempt(job.id)                  # each delivery
    if attempts is None: return                             # finished by another delivery
    if attempts > MAX: store.fail_job(job.id, "poison")    # writes an error Score
    else: store.finish_job(job.id, verifier.verify(...))    # writes the Score, once

The database enforces the rules, so they hold across threads, processes and hosts:

* one job per ``idempotency_key`` (unique constraint; :meth:`claim_job` inserts with
  ``ON CONFLICT DO NOTHING`` and returns the existing job otherwise -- re-claiming a key
  with a different verifier or payload is a :class:`StoreError`);
* one score per job (unique ``scores.job_id``): :meth:`finish_job` and a final
  :meth:`fail_job` lock the job row (``SELECT ... FOR UPDATE`` on PostgreSQL,
  ``BEGIN IMMEDIATE`` on SQLite), write the score only if the job is not finished yet,
  and otherwise return the existing score with ``written=False``; should two writers
  race past the lock anyway, the unique constraint rejects the second insert and the
  existing score is returned the same way;
* ``attempts`` only grows, by exactly one per :meth:`start_attempt` (an atomic
  ``UPDATE ... SET attempts = attempts + 1``), so a poison job is recognised however
  many workers died on it.

Job states: ``queued`` -> ``running`` -> ``done`` (score written) or ``failed`` (an
``error`` Score written by a final :meth:`fail_job`); a non-final ``fail_job`` records
``last_error`` and puts the job back to ``queued``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from m1env.errors import StoreError
from m1env.store.base import StoreBase, ident, integer, number
from m1env.store.models import ScoreRow, ScoringJobRow
from m1env.store.records import JobOutcome, JobRecord
from m1env.store.sanitize import Report
from m1env.store.types import utcnow
from m1env.verifiers.score import Score

__all__ = ["JobsAPI", "job_record", "score_of"]


def job_record(row: ScoringJobRow) -> JobRecord:
    return JobRecord(
        id=row.id,
        idempotency_key=row.idempotency_key,
        verifier=row.verifier,
        payload=row.payload,
        state=row.state,
        attempts=row.attempts,
        last_error=row.last_error,
        result_score_id=row.result_score_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def score_of(row: ScoreRow) -> Score:
    status: Any = row.status
    return Score(row.score, status, row.reason, dict(row.details))


class JobsAPI(StoreBase):
    """The scoring-job half of :class:`~m1env.store.EpisodeStore` (see the module doc)."""

    def claim_job(
        self, idempotency_key: str, verifier: str, payload: Any
    ) -> tuple[JobRecord, bool]:
        """The job for ``idempotency_key``, created if new; ``(job, created)``."""
        key = ident(idempotency_key, "idempotency_key")
        name = ident(verifier, "verifier")
        report = Report()
        clean = self._json(payload, "payload", report)
        with self._tx(f"claim_job({key!r})") as session:
            values = {
                "idempotency_key": key,
                "verifier": name,
                "payload": clean,
                "state": "queued",
                "attempts": 0,
                "sanitized": report.as_json(),
                "created_at": utcnow(),
                "updated_at": utcnow(),
            }
            insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
            stmt = (
                insert(ScoringJobRow)
                .values(**values)
                .on_conflict_do_nothing(index_elements=["idempotency_key"])
                .returning(ScoringJobRow.id)
            )
            created = session.execute(stmt).scalar_one_or_none() is not None
            row = session.execute(
                select(ScoringJobRow).where(ScoringJobRow.idempotency_key == key)
            ).scalar_one()
            if not created and (row.verifier != name or row.payload != clean):
                raise StoreError(
                    f"idempotency key {key!r} already names job {row.id} with verifier "
                    f"{row.verifier!r} and a {'different ' if row.verifier == name else ''}"
                    "payload: a key must identify one job; use a new key for new work"
                )
            return job_record(row), created

    def get_job(self, job_id: int) -> JobRecord | None:
        job_id = integer(job_id, "job_id", nullable=False)
        with self._tx(f"get_job({job_id})", write=False) as session:
            row = session.get(ScoringJobRow, job_id)
            return job_record(row) if row is not None else None

    def job_by_key(self, idempotency_key: str) -> JobRecord | None:
        key = ident(idempotency_key, "idempotency_key")
        with self._tx(f"job_by_key({key!r})", write=False) as session:
            row = session.execute(
                select(ScoringJobRow).where(ScoringJobRow.idempotency_key == key)
            ).scalar_one_or_none()
            return job_record(row) if row is not None else None

    def job_score(self, job_id: int) -> Score | None:
        """The job's one score, or None while it has none."""
        job_id = integer(job_id, "job_id", nullable=False)
        with self._tx(f"job_score({job_id})", write=False) as session:
            row = session.execute(
                select(ScoreRow).where(ScoreRow.job_id == job_id)
            ).scalar_one_or_none()
            return score_of(row) if row is not None else None

    def start_attempt(self, job_id: int) -> int | None:
        """Count one more delivery of the job: the new ``attempts``, or None if finished."""
        job_id = integer(job_id, "job_id", nullable=False)
        now = utcnow()
        with self._tx(f"start_attempt({job_id})") as session:
            attempts = session.execute(
                update(ScoringJobRow)
                .where(ScoringJobRow.id == job_id, ScoringJobRow.state.in_(("queued", "running")))
                .values(
                    attempts=ScoringJobRow.attempts + 1,
                    state="running",
                    started_at=now,
                    updated_at=now,
                )
                .returning(ScoringJobRow.attempts)
            ).scalar_one_or_none()
            if attempts is None and session.get(ScoringJobRow, job_id) is None:
                raise StoreError(f"start_attempt: no scoring job with id {job_id}")
            return attempts

    def finish_job(
        self, job_id: int, score: Score, *, latency_s: float | None = None
    ) -> JobOutcome:
        """Store the job's Score, exactly once (see the module docstring)."""
        if not isinstance(score, Score):
            raise StoreError(f"finish_job needs a Score, got {type(score).__name__}")
        return self._complete(job_id, score, "done", None, latency_s)

    def fail_job(self, job_id: int, error: str, *, final: bool = True) -> JobOutcome | None:
        """Record a failed attempt; ``final`` ends the job with an ``error`` Score.

        Not final: ``last_error`` is kept and the job goes back to ``queued`` for the
        next delivery (None is returned). Final: as :meth:`finish_job`, with
        ``Score.error(error)``.
        """
        job_id = integer(job_id, "job_id", nullable=False)
        report = Report()
        message = self._text(error, "error", report)
        if final:
            return self._complete(job_id, Score.error(message), "failed", message, None)
        with self._tx(f"fail_job({job_id})") as session:
            row = session.get(ScoringJobRow, job_id, with_for_update=True)
            if row is None:
                raise StoreError(f"fail_job: no scoring job with id {job_id}")
            if row.state in ("queued", "running"):
                row.state, row.last_error, row.updated_at = "queued", message, utcnow()
        return None

    def _complete(
        self, job_id: int, score: Score, state: str, error: str | None, latency_s: Any
    ) -> JobOutcome:
        job_id = integer(job_id, "job_id", nullable=False)
        latency = number(latency_s, "latency_s")
        report = Report()
        reason = self._text(score.reason, "reason", report)
        details = self._json(score.details, "details", report)
        what = f"{'finish' if state == 'done' else 'fail'}_job({job_id})"
        try:
            with self._tx(what) as session:
                row = session.get(ScoringJobRow, job_id, with_for_update=True)
                if row is None:
                    raise StoreError(f"{what}: no scoring job with id {job_id}")
                if row.state in ("done", "failed"):
                    return self._existing(session, job_id, what)
                stored = ScoreRow(
                    job_id=job_id,
                    verifier=row.verifier,
                    score=score.score,
                    status=score.status,
                    reason=reason,
                    details=details,
                    latency_s=latency,
                    sanitized=report.as_json(),
                )
                session.add(stored)
                session.flush()
                now = utcnow()
                row.state, row.result_score_id = state, stored.id
                row.finished_at = row.updated_at = now
                if error is not None:
                    row.last_error = error
                return JobOutcome(stored.id, True, score_of(stored))
        except StoreError as exc:
            # The unique scores.job_id caught a writer that raced past the row lock:
            # answer with the score that won. Any other violation is the caller's.
            if not isinstance(exc.__cause__, IntegrityError):
                raise
            try:
                with self._tx(what, write=False) as session:
                    return self._existing(session, job_id, what)
            except StoreError:
                raise exc from exc.__cause__

    @staticmethod
    def _existing(session: Session, job_id: int, what: str) -> JobOutcome:
        stored = session.execute(
            select(ScoreRow).where(ScoreRow.job_id == job_id)
        ).scalar_one_or_none()
        if stored is None:
            raise StoreError(f"{what}: job {job_id} is finished but has no score")
        return JobOutcome(stored.id, False, score_of(stored))
