"""Running one stored scoring job, and the SQL the queue needs beyond the store's API.

:func:`run_job` is what a delivery of a job does, in Celery or in the embedded
service: count the attempt, give up with an ``error`` Score once ``max_attempts``
deliveries have been used up (a poison job that keeps killing its worker stops
here), otherwise verify and store the Score exactly once (the store enforces it).

The store's job API works on one job at a time; the queue also needs a few set-wise
queries -- the scores of many jobs at once (polling a batch), the unfinished jobs
nobody has touched lately (the sweeper), and marking re-dispatched jobs as touched.
They live here, on the store's own models, rather than widening the store's API.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from m1env.store import EpisodeStore, JobOutcome
from m1env.store.models import ScoreRow, ScoringJobRow
from m1env.store.types import utcnow
from verifiers import Score, UnknownVerifierError, get_verifier

__all__ = ["run_job", "scores_for", "stale_jobs", "touch_jobs", "unfinished_in"]

OPEN_STATES = ("queued", "running")
log = logging.getLogger(__name__)


def run_job(store: EpisodeStore, job_id: int, max_attempts: int) -> JobOutcome | None:
    """Deliver job ``job_id`` once; None if it was already finished (or never existed:
    a message naming a job of another database is dropped, not retried forever)."""
    if store.get_job(job_id) is None:
        log.warning("no scoring job %s in this database; message dropped", job_id)
        return None
    attempts = store.start_attempt(job_id)
    if attempts is None:
        return None
    job = store.get_job(job_id)
    if job is None:  # deleted between the two calls
        return None
    if attempts > max_attempts:
        cause = job.last_error or "its worker died each time"
        return store.fail_job(job_id, f"gave up after {attempts - 1} attempts: {cause}", final=True)
    payload: Any = job.payload
    if not isinstance(payload, dict) or "response" not in payload:
        return store.fail_job(job_id, "malformed job payload", final=True)
    try:
        verifier = get_verifier(job.verifier)
    except UnknownVerifierError as exc:
        return store.fail_job(job_id, str(exc), final=True)
    options = payload.get("options") or {}
    start = time.perf_counter()
    score = verifier.verify(payload["response"], payload.get("reference"), **options)
    return store.finish_job(job_id, score, latency_s=time.perf_counter() - start)


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
    store: EpisodeStore, older_than_s: float, limit: int = 10_000
) -> list[tuple[int, str]]:
    """``(id, verifier)`` of unfinished jobs untouched for ``older_than_s`` seconds."""
    cutoff = utcnow() - timedelta(seconds=older_than_s)
    with Session(store.engine) as session:
        rows = session.execute(
            select(ScoringJobRow.id, ScoringJobRow.verifier)
            .where(ScoringJobRow.state.in_(OPEN_STATES), ScoringJobRow.updated_at < cutoff)
            .order_by(ScoringJobRow.id)
            .limit(limit)
        ).all()
    return [(int(r[0]), str(r[1])) for r in rows]


def touch_jobs(store: EpisodeStore, job_ids: Sequence[int]) -> None:
    """Mark unfinished jobs as just dispatched, so the sweeper waits before the next try."""
    if not job_ids:
        return
    from m1env.store.engine import writer

    with Session(writer(store.engine)) as session, session.begin():
        session.execute(
            update(ScoringJobRow)
            .where(ScoringJobRow.id.in_(list(job_ids)), ScoringJobRow.state.in_(OPEN_STATES))
            .values(updated_at=utcnow())
        )
