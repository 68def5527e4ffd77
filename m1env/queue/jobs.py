"""Running one stored scoring job, and the SQL the queue needs beyond the store's API.

:func:`run_job` is what a delivery of a job does, in Celery or in the embedded
service: count the attempt, give up with an ``error`` Score once ``max_attempts``
deliveries have been used up (a poison job that keeps killing its worker stops
here), otherwise verify and store the Score exactly once (the store enforces it).

The store's job API works on one job at a time; the queue also needs a few set-wise
operations, which live here on the store's own models rather than widening its API:

* :func:`claim_many` -- :meth:`EpisodeStore.claim_job` for a whole batch in one
  transaction (same rules: insert-or-nothing on the unique key, and a key that
  already names a different job is a :class:`StoreError`);
* :func:`start_many` -- :meth:`EpisodeStore.start_attempt` for a chunk in one atomic
  ``UPDATE ... SET attempts = attempts + 1 ... RETURNING``, handing back what
  :func:`run_started` needs to score each job without reading it again;
* :func:`scores_for`, :func:`stale_jobs`, :func:`touch_jobs`, :func:`unfinished_in`
  -- polling a batch, and the sweeper's queries.

Scores are still written only by :meth:`EpisodeStore.finish_job` /
:meth:`~EpisodeStore.fail_job`, which enforce one score per job.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from m1env.errors import StoreError
from m1env.store import EpisodeStore, JobOutcome, JobRecord
from m1env.store.base import ident
from m1env.store.engine import writer
from m1env.store.jobs import job_record
from m1env.store.models import ScoreRow, ScoringJobRow
from m1env.store.sanitize import Report, clean_json
from m1env.store.types import utcnow
from m1env.verifiers import Score, UnknownVerifierError, get_verifier

__all__ = [
    "Started",
    "claim_many",
    "run_job",
    "run_started",
    "scores_for",
    "stale_jobs",
    "start_many",
    "touch_jobs",
    "unfinished_in",
]

OPEN_STATES = ("queued", "running")
log = logging.getLogger(__name__)


def run_job(store: EpisodeStore, job_id: int, max_attempts: int) -> JobOutcome | None:
    """Deliver job ``job_id`` once; None if it was already finished or never existed
    (a message naming a job of another database is dropped, not retried forever)."""
    started = start_many(store, [job_id])
    if not started:
        return None
    return run_started(store, started[0], max_attempts)


@dataclass(frozen=True)
class Started:
    """A job whose attempt was just counted: what scoring it needs."""

    id: int
    verifier: str
    payload: Any
    attempts: int
    last_error: str | None


def claim_many(
    store: EpisodeStore, items: Sequence[tuple[str, str, Any]]
) -> list[tuple[JobRecord, bool]]:
    """Claim ``(idempotency_key, verifier, payload)`` items in one transaction."""
    if not items:
        return []
    rows = []
    for key, verifier, payload in items:
        report = Report()
        rows.append(
            {
                "idempotency_key": ident(key, "idempotency_key"),
                "verifier": ident(verifier, "verifier"),
                "payload": clean_json(payload, "payload", report, limit=store.max_field_bytes),
                "state": "queued",
                "attempts": 0,
                "sanitized": report.as_json(),
                "created_at": utcnow(),
                "updated_at": utcnow(),
            }
        )
    keys = [r["idempotency_key"] for r in rows]
    if len(set(keys)) != len(keys):
        raise StoreError("claim_many: an idempotency key appears twice in one batch")
    try:
        with Session(writer(store.engine)) as session, session.begin():
            insert = sqlite_insert if store.backend == "sqlite" else pg_insert
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
            for row in rows:
                job = found[row["idempotency_key"]]
                if job.verifier != row["verifier"] or job.payload != row["payload"]:
                    raise StoreError(
                        f"idempotency key {job.idempotency_key!r} already names job {job.id} "
                        "with a different verifier or payload: use a new key for new work"
                    )
                out.append((job_record(job), job.idempotency_key in created))
            return out
    except SQLAlchemyError as exc:
        raise StoreError(f"claim_many: {exc}") from exc


def start_many(store: EpisodeStore, job_ids: Sequence[int]) -> list[Started]:
    """Count one more delivery of each unfinished job among ``job_ids``, atomically."""
    now = utcnow()
    try:
        with Session(writer(store.engine)) as session, session.begin():
            rows = session.execute(
                update(ScoringJobRow)
                .where(ScoringJobRow.id.in_(list(job_ids)), ScoringJobRow.state.in_(OPEN_STATES))
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
    except SQLAlchemyError as exc:
        raise StoreError(f"start_many: {exc}") from exc
    order = {job_id: i for i, job_id in enumerate(job_ids)}
    started = [Started(int(r[0]), str(r[1]), r[2], int(r[3]), r[4]) for r in rows]
    return sorted(started, key=lambda s: order.get(s.id, 0))


def run_started(store: EpisodeStore, job: Started, max_attempts: int) -> JobOutcome:
    """Score a job whose attempt :func:`start_many` counted (or give up on it)."""
    if job.attempts > max_attempts:
        cause = job.last_error or "its worker died each time"
        outcome = store.fail_job(
            job.id, f"gave up after {job.attempts - 1} attempts: {cause}", final=True
        )
        assert outcome is not None  # final=True always returns the outcome
        return outcome
    payload = job.payload
    if not isinstance(payload, dict) or "response" not in payload:
        return _final(store, job.id, "malformed job payload")
    try:
        verifier = get_verifier(job.verifier)
    except UnknownVerifierError as exc:
        return _final(store, job.id, str(exc))
    start = time.perf_counter()
    score = verifier.verify(
        payload["response"], payload.get("reference"), **(payload.get("options") or {})
    )
    return store.finish_job(job.id, score, latency_s=time.perf_counter() - start)


def _final(store: EpisodeStore, job_id: int, error: str) -> JobOutcome:
    outcome = store.fail_job(job_id, error, final=True)
    assert outcome is not None
    return outcome


def scores_for(store: EpisodeStore, job_ids: Sequence[int]) -> dict[int, Score]:
    """The stored Score of each finished job among ``job_ids``."""
    found: dict[int, Score] = {}
    with Session(store.engine) as session:
        for start in range(0, len(job_ids), 500):
            rows = session.execute(
                select(ScoreRow).where(ScoreRow.job_id.in_(job_ids[start : start + 500]))
            ).scalars()
            for row in rows:
                status: Any = row.status
                found[int(row.job_id or 0)] = Score(row.score, status, row.reason, row.details)
    return found


def unfinished_in(store: EpisodeStore, job_ids: Sequence[int]) -> list[tuple[int, str, int]]:
    """``(id, state, attempts)`` of the jobs among ``job_ids`` that are not finished."""
    with Session(store.engine) as session:
        rows = session.execute(
            select(ScoringJobRow.id, ScoringJobRow.state, ScoringJobRow.attempts).where(
                ScoringJobRow.id.in_(list(job_ids)), ScoringJobRow.state.in_(OPEN_STATES)
            )
        ).all()
    return [(int(r[0]), str(r[1]), int(r[2])) for r in rows]


def stale_jobs(
    store: EpisodeStore,
    older_than_s: float,
    limit: int = 10_000,
    *,
    running_older_than_s: float | None = None,
) -> list[tuple[int, str]]:
    """``(id, verifier)`` of unfinished jobs untouched for ``older_than_s`` seconds
    (``running`` ones for ``running_older_than_s``, by default the same)."""
    now = utcnow()
    queued_cutoff = now - timedelta(seconds=older_than_s)
    running_cutoff = now - timedelta(
        seconds=older_than_s if running_older_than_s is None else running_older_than_s
    )
    with Session(store.engine) as session:
        rows = session.execute(
            select(ScoringJobRow.id, ScoringJobRow.verifier)
            .where(
                or_(
                    and_(ScoringJobRow.state == "queued", ScoringJobRow.updated_at < queued_cutoff),
                    and_(
                        ScoringJobRow.state == "running", ScoringJobRow.updated_at < running_cutoff
                    ),
                )
            )
            .order_by(ScoringJobRow.id)
            .limit(limit)
        ).all()
    return [(int(r[0]), str(r[1])) for r in rows]


def touch_jobs(store: EpisodeStore, job_ids: Sequence[int]) -> None:
    """Mark unfinished jobs as just dispatched, so the sweeper waits before the next try."""
    if not job_ids:
        return
    with Session(writer(store.engine)) as session, session.begin():
        session.execute(
            update(ScoringJobRow)
            .where(ScoringJobRow.id.in_(list(job_ids)), ScoringJobRow.state.in_(OPEN_STATES))
            .values(updated_at=utcnow())
        )
