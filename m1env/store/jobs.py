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
  recognised however many workers died on it. A delivery of a whole chunk may instead
  start its jobs uncounted (``count=False``) and count each as it writes its score
  (:meth:`finish_jobs` with ``count_attempts``): should it die, its jobs are ``running``,
  the queue then delivers each alone, counted as it starts (:mod:`m1env.queue.tasks`).
* :meth:`finish_jobs` writes many jobs' scores in one transaction (the rules above per
  job); :meth:`finish_job` and a final :meth:`fail_job` are it for one job.

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
from m1env.store.records import Completion, JobOutcome, JobRecord, OpenJob, StartedJob
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


def _new_record(job_id: int, row: dict[str, Any]) -> JobRecord:
    """The record of a job :meth:`JobsAPI.claim_jobs` just inserted, from what it inserted."""
    return JobRecord(
        id=int(job_id),
        idempotency_key=row["idempotency_key"],
        verifier=row["verifier"],
        payload=row["payload"],
        state="queued",
        attempts=0,
        last_error=None,
        result_score_id=None,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        started_at=None,
        finished_at=None,
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
            # One statement compiled once (and cached): the rows go as parameters, not as
            # a VALUES list rebuilt for every batch. The new rows' ids come back with it;
            # only keys that already named a job are read back, to compare and return.
            table: Any = ScoringJobRow.__table__
            stmt = (
                insert(table)
                .on_conflict_do_nothing(index_elements=["idempotency_key"])
                .returning(table.c.idempotency_key, table.c.id)
            )
            created = {str(k): int(i) for k, i in session.connection().execute(stmt, rows)}
            old = [k for k in keys if k not in created]
            found = {
                row.idempotency_key: row
                for start in range(0, len(old), _IN_BATCH)
                for row in session.execute(
                    select(ScoringJobRow).where(
                        ScoringJobRow.idempotency_key.in_(old[start : start + _IN_BATCH])
                    )
                ).scalars()
            }
            out = []
            for want in rows:
                key = want["idempotency_key"]
                if key in created:
                    out.append((_new_record(created[key], want), True))
                    continue
                row = found[key]
                name = want["verifier"]
                if row.verifier != name or row.payload != want["payload"]:
                    raise StoreError(
                        f"idempotency key {row.idempotency_key!r} already names job {row.id} "
                        f"with verifier {row.verifier!r} and a "
                        f"{'different ' if row.verifier == name else ''}payload: a key must "
                        "identify one job; use a new key for new work"
                    )
                out.append((job_record(row), False))
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
        # Pollers run this every few milliseconds: plain columns, no ORM objects.
        table = ScoreRow.__table__
        columns = (table.c.job_id, table.c.score, table.c.status, table.c.reason, table.c.details)
        with self._tx(f"job_scores({len(ids)} jobs)", write=False) as session:
            connection = session.connection()
            for start in range(0, len(ids), _IN_BATCH):
                chunk = ids[start : start + _IN_BATCH]
                rows = connection.execute(select(*columns).where(table.c.job_id.in_(chunk)))
                found.update(
                    (int(job_id), Score(score, status, reason, dict(details)))
                    for job_id, score, status, reason, details in rows
                )
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

    def start_attempts(self, job_ids: Sequence[int], *, count: bool = True) -> list[StartedJob]:
        """Count one more delivery of each open job among ``job_ids``, atomically (one
        ``UPDATE ... RETURNING``); finished or unknown ids are left out. In ``job_ids``'
        order. ``count=False`` marks them ``running`` without counting yet (the
        delivery counts them as it writes their scores, :meth:`finish_jobs`); the
        returned ``attempts`` then includes this delivery all the same."""
        ids = [integer(i, "job_id", nullable=False) for i in job_ids]
        now = utcnow()
        step = 1 if count else 0
        with self._tx(f"start_attempts({ids[:5]})") as session:
            rows = session.execute(
                update(ScoringJobRow)
                .where(ScoringJobRow.id.in_(ids), ScoringJobRow.state.in_(OPEN_STATES))
                .values(
                    attempts=ScoringJobRow.attempts + step,
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
        started = [StartedJob(int(r[0]), str(r[1]), r[2], int(r[3]) + 1 - step, r[4]) for r in rows]
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
        return self.finish_jobs([Completion(job_id, score, latency_s)])[0]

    def fail_job(self, job_id: int, error: str, *, final: bool = True) -> JobOutcome | None:
        """Record a failed attempt; ``final`` ends the job with an ``error`` Score.

        Not final: ``last_error`` is kept and the job goes back to ``queued`` for the
        next delivery (None is returned). Final: as :meth:`finish_job`, with
        ``Score.error(error)``.
        """
        job_id = integer(job_id, "job_id", nullable=False)
        if final:
            return self.finish_jobs([Completion(job_id, Score.error(error), error=error)])[0]
        message = self._text(error, "error", Report())
        with self._tx(f"fail_job({job_id})") as session:
            row = session.get(ScoringJobRow, job_id, with_for_update=True)
            if row is None:
                raise StoreError(f"fail_job: no scoring job with id {job_id}")
            if row.state in OPEN_STATES:
                row.state, row.last_error, row.updated_at = "queued", message, utcnow()
        return None

    def finish_jobs(
        self, results: Sequence[Completion], *, count_attempts: bool = False
    ) -> list[JobOutcome]:
        """Store each job's Score in one transaction, exactly once per job: a job already
        finished keeps its score (``written=False``). A ``Completion`` with ``error``
        ends its job ``failed`` with that ``last_error``. ``count_attempts`` adds the
        delivery to ``attempts`` here (for jobs started with ``count=False``, see
        :meth:`start_attempts`). In ``results``' order."""
        if not results:
            return []
        rows = [self._completion(r) for r in results]
        ids = [row["job_id"] for row in rows]
        if len(set(ids)) != len(ids):
            raise StoreError("finish_jobs: a job appears twice in one batch")
        what = f"finish_job({ids[0]})" if len(ids) == 1 else f"finish_jobs({len(ids)} jobs)"
        try:
            return self._finish(rows, ids, what, count_attempts)
        except StoreError as exc:
            if not isinstance(exc.__cause__, IntegrityError):
                raise
        # The unique scores.job_id caught a writer that raced past the row lock: settle
        # each job on its own, answering with the score that won where one did.
        out = []
        for row, job_id in zip(rows, ids, strict=True):
            one = f"finish_job({job_id})"
            try:
                out += self._finish([row], [job_id], one, count_attempts)
            except StoreError as exc:
                if not isinstance(exc.__cause__, IntegrityError):
                    raise
                try:
                    with self._tx(one, write=False) as session:
                        out.append(self._existing(session, job_id, one))
                except StoreError:
                    raise exc from exc.__cause__
        return out

    def _completion(self, result: Completion) -> dict[str, Any]:
        job_id = integer(result.job_id, "job_id", nullable=False)
        if not isinstance(result.score, Score):
            raise StoreError(f"finish_job needs a Score, got {type(result.score).__name__}")
        report = Report()
        error = None if result.error is None else self._text(result.error, "error", report)
        score = result.score if error is None else Score.error(error)
        return {
            "job_id": job_id,
            "score": score.score,
            "status": score.status,
            "reason": self._text(score.reason, "reason", report),
            "details": self._json(score.details, "details", report),
            "latency_s": number(result.latency_s, "latency_s"),
            "sanitized": report.as_json(),
            "error": error,
        }

    def _finish(
        self, rows: list[dict[str, Any]], ids: list[int], what: str, count_attempts: bool
    ) -> list[JobOutcome]:
        with self._tx(what) as session:
            jobs = {
                job.id: job
                for job in session.execute(
                    select(ScoringJobRow).where(ScoringJobRow.id.in_(ids)).with_for_update()
                ).scalars()
            }
            if missing := [i for i in ids if i not in jobs]:
                raise StoreError(f"{what}: no scoring job with id {missing[0]}")
            new: dict[int, ScoreRow] = {}
            for row in rows:
                job = jobs[row["job_id"]]
                if job.state not in ("done", "failed"):
                    fields = {k: v for k, v in row.items() if k != "error"}
                    new[job.id] = ScoreRow(verifier=job.verifier, **fields)
            session.add_all(new.values())
            session.flush()
            now = utcnow()
            for row in rows:
                if (stored := new.get(row["job_id"])) is None:
                    continue
                job = jobs[row["job_id"]]
                job.state = "done" if row["error"] is None else "failed"
                job.result_score_id = stored.id
                job.finished_at = job.updated_at = now
                if row["error"] is not None:
                    job.last_error = row["error"]
                if count_attempts:
                    job.attempts += 1
            return [
                JobOutcome(new[i].id, True, score_of(new[i]))
                if i in new
                else self._existing(session, i, what)
                for i in ids
            ]

    @staticmethod
    def _existing(session: Session, job_id: int, what: str) -> JobOutcome:
        stored = session.execute(
            select(ScoreRow).where(ScoreRow.job_id == job_id)
        ).scalar_one_or_none()
        if stored is None:
            raise StoreError(f"{what}: job {job_id} is finished but has no score")
        return JobOutcome(stored.id, False, score_of(stored))
