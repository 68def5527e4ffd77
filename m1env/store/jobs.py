"""Scoring jobs: exactly-once results for a queue that delivers at least once.

This is the one job state machine; the queue (:mod:`m1env.queue`) and the embedded
service drive it only through these methods. A worker's life with a chunk of jobs::

    claimed = store.claim_jobs([(key, "math", payload), ...])  # submit; safe to repeat
    for job in store.start_attempts(ids):                      # each delivery
        if job.attempts > MAX: store.fail_job(job.id, "poison")  # writes an error Score
        else: store.finish_job(job.id, verifier.verify(...))     # writes the Score, once

(:meth:`claim_job` and :meth:`start_attempt` are the same for one job; jobs already
finished are simply not returned by :meth:`start_attempts`.)

The database enforces the rules, so they hold across threads, processes and hosts:

* one job per ``idempotency_key`` (unique constraint; :meth:`claim_jobs` inserts with
  ``ON CONFLICT DO NOTHING`` and returns the existing job otherwise -- re-claiming a key
  with a different verifier or payload is a :class:`StoreError`, and so is one key twice
  in one batch);
* one score per job (unique ``scores.job_id``): :meth:`finish_job` and a final
  :meth:`fail_job` lock the job row (``SELECT ... FOR UPDATE`` on PostgreSQL,
  ``BEGIN IMMEDIATE`` on SQLite), write the score only if the job is not finished yet,
  and otherwise return the existing score with ``written=False``; should two writers
  race past the lock anyway, the unique constraint rejects the second insert and the
  existing score is returned the same way;
* ``attempts`` only grows, by exactly one per delivery (:meth:`start_attempts` is one
  atomic ``UPDATE ... SET attempts = attempts + 1 ... RETURNING``), so a poison job is
  recognised however many workers died on it.

Job states: ``queued`` -> ``running`` -> ``done`` (score written) or ``failed`` (an
``error`` Score written by a final :meth:`fail_job`); a non-final ``fail_job`` records
``last_error`` and puts the job back to ``queued``. ``queued`` and ``running`` are the
open states (:data:`OPEN_STATES`).

Reading and recovery, set-wise: :meth:`job_scores` (the Scores of a batch, for pollers),
:meth:`unfinished_jobs` (which jobs of a chunk are still open), :meth:`stale_jobs` (open
jobs untouched for a while: their message was probably lost) and :meth:`touch_jobs`
(mark jobs just published, so the sweeper waits before the next try).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from m1env.errors import StoreError
from m1env.store.base import StoreBase, ident, integer, number
from m1env.store.models import ScoreRow, ScoringJobRow
from m1env.store.records import JobOutcome, JobRecord, OpenJob, StartedJob
from m1env.store.sanitize import Report
from m1env.store.types import utcnow
from m1env.verifiers.score import Score

__all__ = ["OPEN_STATES", "JobsAPI", "job_record", "score_of"]

OPEN_STATES = ("queued", "running")
# Ids per IN (...) list: well below every backend's bound-parameter limit.
_IN_BATCH = 500


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
        return self.claim_jobs([(idempotency_key, verifier, payload)])[0]

    def claim_jobs(self, items: Sequence[tuple[str, str, Any]]) -> list[tuple[JobRecord, bool]]:
        """Claim ``(idempotency_key, verifier, payload)`` items in one transaction;
        ``(job, created)`` per item, in order (see the module docstring)."""
        if not items:
            return []
        rows = []
        for key, verifier, payload in items:
            report = Report()
            rows.append(
                {
                    "idempotency_key": ident(key, "idempotency_key"),
                    "verifier": ident(verifier, "verifier"),
                    "payload": self._json(payload, "payload", report),
                    "state": "queued",
                    "attempts": 0,
                    "sanitized": report.as_json(),
                    "created_at": utcnow(),
                    "updated_at": utcnow(),
                }
            )
        keys = [r["idempotency_key"] for r in rows]
        if len(set(keys)) != len(keys):
            raise StoreError("claim_jobs: an idempotency key appears twice in one batch")
        what = f"claim_job({keys[0]!r})" if len(keys) == 1 else f"claim_jobs({len(keys)} jobs)"
        with self._tx(what) as session:
            insert = sqlite_insert if self.backend == "sqlite" else pg_insert
            created = set(
                session.execute(
                    insert(ScoringJobRow)
                    .values(rows)
                    .on_conflict_do_nothing(index_elements=["idempotency_key"])
                    .returning(ScoringJobRow.idempotency_key)
                ).scalars()
            )
            found = {
                row.idempotency_key: row
                for row in session.execute(
                    select(ScoringJobRow).where(ScoringJobRow.idempotency_key.in_(keys))
                ).scalars()
            }
            out = []
            for want in rows:
                row = found[want["idempotency_key"]]
                name = want["verifier"]
                if row.verifier != name or row.payload != want["payload"]:
                    raise StoreError(
                        f"idempotency key {row.idempotency_key!r} already names job {row.id} "
                        f"with verifier {row.verifier!r} and a "
                        f"{'different ' if row.verifier == name else ''}payload: a key must "
                        "identify one job; use a new key for new work"
                    )
                out.append((job_record(row), row.idempotency_key in created))
            return out

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
        return self.job_scores([job_id]).get(job_id)

    def job_scores(self, job_ids: Sequence[int]) -> dict[int, Score]:
        """The Score of each finished job among ``job_ids`` (one query per 500 ids)."""
        ids = [integer(i, "job_id", nullable=False) for i in job_ids]
        found: dict[int, Score] = {}
        with self._tx(f"job_scores({len(ids)} jobs)", write=False) as session:
            for start in range(0, len(ids), _IN_BATCH):
                rows = session.execute(
                    select(ScoreRow).where(ScoreRow.job_id.in_(ids[start : start + _IN_BATCH]))
                ).scalars()
                found.update((int(row.job_id or 0), score_of(row)) for row in rows)
        return found

    def start_attempt(self, job_id: int) -> int | None:
        """Count one more delivery of the job: the new ``attempts``, or None if finished."""
        job_id = integer(job_id, "job_id", nullable=False)
        started = self.start_attempts([job_id])
        if started:
            return started[0].attempts
        if self.get_job(job_id) is None:
            raise StoreError(f"start_attempt: no scoring job with id {job_id}")
        return None

    def start_attempts(self, job_ids: Sequence[int]) -> list[StartedJob]:
        """Count one more delivery of each open job among ``job_ids``, atomically (one
        ``UPDATE ... RETURNING``); finished or unknown ids are left out. In ``job_ids``'
        order."""
        ids = [integer(i, "job_id", nullable=False) for i in job_ids]
        now = utcnow()
        with self._tx(f"start_attempts({ids[:5]})") as session:
            rows = session.execute(
                update(ScoringJobRow)
                .where(ScoringJobRow.id.in_(ids), ScoringJobRow.state.in_(OPEN_STATES))
                .values(
                    attempts=ScoringJobRow.attempts + 1,
                    state="running",
                    started_at=now,
                    updated_at=now,
                )
                .returning(
                    ScoringJobRow.id,
                    ScoringJobRow.verifier,
                    ScoringJobRow.payload,
                    ScoringJobRow.attempts,
                    ScoringJobRow.last_error,
                )
            ).all()
        order = {job_id: i for i, job_id in enumerate(ids)}
        started = [StartedJob(int(r[0]), str(r[1]), r[2], int(r[3]), r[4]) for r in rows]
        return sorted(started, key=lambda job: order[job.id])

    def unfinished_jobs(self, job_ids: Sequence[int]) -> list[OpenJob]:
        """The jobs among ``job_ids`` that are still open (``queued`` or ``running``)."""
        ids = [integer(i, "job_id", nullable=False) for i in job_ids]
        with self._tx(f"unfinished_jobs({ids[:5]})", write=False) as session:
            rows = session.execute(
                select(
                    ScoringJobRow.id,
                    ScoringJobRow.verifier,
                    ScoringJobRow.state,
                    ScoringJobRow.attempts,
                ).where(ScoringJobRow.id.in_(ids), ScoringJobRow.state.in_(OPEN_STATES))
            ).all()
        return [OpenJob(int(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in rows]

    def stale_jobs(
        self,
        older_than_s: float,
        limit: int = 10_000,
        *,
        running_older_than_s: float | None = None,
    ) -> list[tuple[int, str]]:
        """``(id, verifier)`` of open jobs untouched for ``older_than_s`` seconds
        (``running`` ones for ``running_older_than_s``, by default the same), oldest
        id first."""
        now = utcnow()
        queued_cutoff = now - timedelta(seconds=older_than_s)
        running_cutoff = now - timedelta(
            seconds=older_than_s if running_older_than_s is None else running_older_than_s
        )
        with self._tx("stale_jobs", write=False) as session:
            rows = session.execute(
                select(ScoringJobRow.id, ScoringJobRow.verifier)
                .where(
                    or_(
                        and_(
                            ScoringJobRow.state == "queued",
                            ScoringJobRow.updated_at < queued_cutoff,
                        ),
                        and_(
                            ScoringJobRow.state == "running",
                            ScoringJobRow.updated_at < running_cutoff,
                        ),
                    )
                )
                .order_by(ScoringJobRow.id)
                .limit(limit)
            ).all()
        return [(int(r[0]), str(r[1])) for r in rows]

    def touch_jobs(self, job_ids: Sequence[int]) -> None:
        """Mark open jobs as just published, so the sweeper waits before the next try."""
        ids = [integer(i, "job_id", nullable=False) for i in job_ids]
        if not ids:
            return
        with self._tx(f"touch_jobs({ids[:5]})") as session:
            session.execute(
                update(ScoringJobRow)
                .where(ScoringJobRow.id.in_(ids), ScoringJobRow.state.in_(OPEN_STATES))
                .values(updated_at=utcnow())
            )

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
            if row.state in OPEN_STATES:
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
