"""Running one stored scoring job: what a delivery does, in Celery or the embedded service.

:func:`run_job` counts the attempt, gives up with an ``error`` Score once ``max_attempts``
deliveries have been used up (a poison job that keeps killing its worker stops here),
otherwise verifies and stores the Score exactly once. The state machine and its rules are
the store's (:mod:`m1env.store.jobs`); this module only decides what to verify.
"""

from __future__ import annotations

import time

from m1env.store import Completion, EpisodeStore, JobOutcome, StartedJob
from m1env.verifiers import Score, UnknownVerifierError, get_verifier

__all__ = ["decide", "run_job", "run_started"]


def run_job(store: EpisodeStore, job_id: int, max_attempts: int) -> JobOutcome | None:
    """Deliver job ``job_id`` once; None if it was already finished or never existed
    (a message naming a job of another database is dropped, not retried forever)."""
    started = store.start_attempts([job_id])
    if not started:
        return None
    return run_started(store, started[0], max_attempts)


def run_started(store: EpisodeStore, job: StartedJob, max_attempts: int) -> JobOutcome:
    """Score a job whose attempt :meth:`EpisodeStore.start_attempts` counted (or give up)."""
    return store.finish_jobs([decide(job, max_attempts)])[0]


def decide(job: StartedJob, max_attempts: int) -> Completion:
    """What a delivery of ``job`` stores: its Score, or an error once its attempts are
    used up (a poison job that keeps killing its worker stops here) or it cannot be
    scored at all. Writes nothing."""
    if job.attempts > max_attempts:
        cause = job.last_error or "its worker died each time"
        return _final(job.id, f"gave up after {job.attempts - 1} attempts: {cause}")
    payload = job.payload
    if not isinstance(payload, dict) or "response" not in payload:
        return _final(job.id, "malformed job payload")
    try:
        verifier = get_verifier(job.verifier)
    except UnknownVerifierError as exc:
        return _final(job.id, str(exc))
    start = time.perf_counter()
    score = verifier.verify(
        payload["response"], payload.get("reference"), **(payload.get("options") or {})
    )
    return Completion(job.id, score, time.perf_counter() - start)


def _final(job_id: int, error: str) -> Completion:
    return Completion(job_id, Score.error(error), error=error)
