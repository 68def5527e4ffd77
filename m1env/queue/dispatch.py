"""Submitting scoring jobs: claim them in SQL first, then publish chunks to Celery.

The order matters: a job exists in the jobs table before any message names it, so
a publish that fails (Redis down or hung: it gives up within about a second, so a
submitting request never stalls on the broker) or a message that Redis later loses
costs latency, never the job -- the sweeper publishes it again. Jobs are grouped by queue
(:func:`~m1env.queue.routing.queue_for`) and sent up to ``chunk_size`` ids per message
(fewer for the slow queues, :data:`~m1env.queue.routing.MAX_CHUNK`), so a worker pays
the broker round trip and its transactions once per chunk; a queue's jobs go in at least
:data:`SPREAD` messages when there are that many, so as many worker processes share them.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from celery import Celery

from m1env.queue.app import TASK_NAME
from m1env.queue.routing import MAX_CHUNK, queue_for
from m1env.store import EpisodeStore, JobRecord

__all__ = ["publish", "submit", "touch_and_publish"]

log = logging.getLogger(__name__)
#: A batch is split into at least this many messages per queue (when it has the jobs).
SPREAD = 4


def submit(
    store: EpisodeStore,
    app: Celery,
    items: Iterable[tuple[str, dict[str, Any], str | None]],
    *,
    chunk_size: int = 16,
) -> list[tuple[JobRecord, bool]]:
    """Claim ``(verifier, payload, idempotency_key)`` items and publish the new ones.

    Returns ``(job, created)`` per item, in order. An existing key is not published
    again unless the job is unfinished (a client retrying after a lost reply).
    """
    claimed = store.claim_jobs(
        [(key or f"job-{uuid.uuid4()}", verifier, payload) for verifier, payload, key in items],
    )
    todo = [(job.id, job.verifier) for job, _ in claimed if not job.finished]
    publish(app, todo, chunk_size=chunk_size)
    return claimed


def publish(app: Celery, jobs: Sequence[tuple[int, str]], *, chunk_size: int = 16) -> int:
    """Send ``(job_id, verifier)`` jobs in chunks; returns how many ids were sent.

    Bounded: one publish waits at most about the app's ``publish_timeout_s`` per try
    (:mod:`m1env.queue.app`), and the first failure ends the call -- the broker is down or
    hung, and the chunks after it would each wait as long. A failure is logged and
    swallowed: the jobs stay ``queued`` in SQL and the sweeper sends them later.
    """
    by_queue: dict[str, list[int]] = defaultdict(list)
    for job_id, verifier in jobs:
        by_queue[queue_for(verifier)].append(job_id)
    chunks = []
    for queue, ids in by_queue.items():
        size = max(1, min(chunk_size, MAX_CHUNK.get(queue, chunk_size), -(-len(ids) // SPREAD)))
        chunks += [(queue, ids[start : start + size]) for start in range(0, len(ids), size)]
    sent = 0
    for queue, chunk in chunks:
        try:
            # Scores live in SQL: no result-backend subscription (with Redis down it
            # retried 20 times, a second apart, before the publish even started).
            app.send_task(TASK_NAME, args=[chunk], queue=queue, ignore_result=True)
        except Exception as exc:  # broker down: the sweeper recovers these jobs
            left = len(jobs) - sent
            log.warning("could not publish %d jobs (from %r on): %s", left, queue, exc)
            break
        sent += len(chunk)
    return sent


def touch_and_publish(
    store: EpisodeStore, app: Celery, jobs: Sequence[tuple[int, str]], *, chunk_size: int
) -> int:
    store.touch_jobs([job_id for job_id, _ in jobs])
    return publish(app, jobs, chunk_size=chunk_size)
