"""The Celery task: ``m1env.score_jobs(job_ids)`` scores a chunk of stored jobs.

While the chunk runs its jobs' lease is renewed (:class:`~m1env.queue.lease.Lease`),
so a chunk whose worker dies is re-sent by the sweeper within ``QueueConfig.lease_s``.
A fresh chunk is started in one transaction and its Scores written together, each exactly
once and each counting its attempt (:func:`_score_together`); a job delivered alone has
its attempt counted in SQL as it starts (one ``UPDATE ... RETURNING``,
:meth:`~m1env.store.EpisodeStore.start_attempts`), then it is scored and its Score written
(:func:`~m1env.queue.delivery.run_started`). A chunk that comes back after its worker died is split:
if any of its jobs is ``running`` -- started by a delivery that never finished --
every unfinished job is re-published on its own, so the job that kills workers uses
up only its own attempts, not its neighbours'. A database error retries the whole
chunk with back-off (finished jobs are skipped on the retry).

``m1env.run_code`` runs a SandboxFusion request (see :mod:`m1env.service.compat`)
and returns its reply through the result backend.

The worker's store and settings come from :func:`configure` (``m1env worker`` calls
it) or the environment; each process opens its own connection pool.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.process
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from celery import shared_task
from celery.signals import worker_process_init

from m1env.errors import StoreError
from m1env.queue.app import RUN_CODE_TASK, TASK_NAME
from m1env.queue.config import QueueConfig
from m1env.queue.delivery import decide, run_started
from m1env.queue.dispatch import publish
from m1env.queue.lease import Lease
from m1env.store import Completion, EpisodeStore
from m1env.verifiers.pool import default_pool

__all__ = ["configure", "run_code", "score_jobs", "worker_store"]

log = logging.getLogger(__name__)
#: How long scores of a chunk may wait to be written together.
FLUSH_S = 0.05

_config: QueueConfig | None = None
_store: tuple[int, EpisodeStore] | None = None


def configure(config: QueueConfig) -> None:
    """Use ``config`` in this process and the worker processes it forks."""
    global _config, _store
    _config, _store = config, None


def _settings() -> QueueConfig:
    global _config
    if _config is None:
        _config = QueueConfig.from_env()
    return _config


def worker_store() -> EpisodeStore:
    """This process's store (re-opened after a fork: connections are not shared)."""
    global _store
    if _store is None or _store[0] != os.getpid():
        _store = (os.getpid(), EpisodeStore(_settings().database_url))
    return _store[1]


@worker_process_init.connect(weak=False)
def _allow_verifier_workers(**_: Any) -> None:
    """Let pool processes start the verifiers' killable worker processes.

    Celery's prefork pool (billiard) marks its processes daemonic, and
    :mod:`multiprocessing` refuses children to daemonic processes; billiard also leaves
    its own authkey type behind, which multiprocessing cannot pickle for a forkserver
    child. Both are safe to reset: a verifier worker exits by itself when its
    parent's pipe closes, so a pool process killed by the hard time limit leaves no
    orphan behind.
    """
    config = multiprocessing.current_process()._config  # type: ignore[attr-defined]
    config["daemon"] = False
    config["authkey"] = multiprocessing.process.AuthenticationString(os.urandom(32))  # type: ignore[attr-defined]


@shared_task(bind=True, name=TASK_NAME, max_retries=None)
def score_jobs(self: Any, job_ids: list[int]) -> dict[str, int]:
    if not isinstance(job_ids, list) or not all(isinstance(i, int) for i in job_ids):
        log.error("score_jobs got a malformed message %r; dropped", job_ids)
        return {"malformed": 1}
    config = _settings()
    store = worker_store()
    try:
        if len(job_ids) > 1:
            open_jobs = store.unfinished_jobs(job_ids)
            if any(job.state == "running" for job in open_jobs):
                jobs = [(job.id, job.verifier) for job in open_jobs]
                publish(self.app, jobs, chunk_size=1)
                return {"split": len(jobs)}
        with Lease(store, job_ids, config.renew_every_s):
            if len(job_ids) > 1:
                return {"scored": _score_together(store, job_ids, config.max_attempts)}
            scored = 0
            for job in store.start_attempts(job_ids):
                run_started(store, job, config.max_attempts)
                scored += 1
        return {"scored": scored}
    except StoreError as exc:
        delay = min(30, 2 ** min(self.request.retries, 5))
        log.warning("store error on jobs %s: %s; retrying in %ss", job_ids[:5], exc, delay)
        raise self.retry(exc=exc, countdown=delay) from exc


def _score_together(store: EpisodeStore, job_ids: list[int], max_attempts: int) -> int:
    """Score a fresh chunk with a few transactions, not two per job: its jobs are started
    uncounted in one, and their scores (each counting its attempt) written in one per
    :data:`FLUSH_S` of work. Should this delivery die, its jobs are left ``running``,
    so the chunk comes back split (see :func:`score_jobs`): each job is then delivered
    alone and counted as it starts, and the one that kills workers uses up only its own
    attempts."""
    started = store.start_attempts(job_ids, count=False)
    pending: list[Completion] = []
    since = time.monotonic()
    # As many jobs at once as this process has verifier workers (isolated verifiers run
    # there); in order, so a chunk's Scores are written as its jobs come.
    with ThreadPoolExecutor(default_pool().size) as threads:
        for done in threads.map(lambda job: decide(job, max_attempts), started):
            if not pending:
                since = time.monotonic()
            pending.append(done)
            # Quick jobs share a write; a slow one is not kept from its caller.
            if time.monotonic() - since >= FLUSH_S:
                store.finish_jobs(pending, count_attempts=True)
                pending = []
    if pending:
        store.finish_jobs(pending, count_attempts=True)
    return len(started)


@shared_task(name=RUN_CODE_TASK, ignore_result=False)
def run_code(request: dict[str, Any]) -> dict[str, Any]:
    """SandboxFusion ``/run_code`` on a ``sandbox`` queue worker; returns the reply body."""
    from m1env.service.compat import RunCodeRequest, RunCodeResponse
    from m1env.service.compat import run_code as execute

    try:
        return execute(RunCodeRequest.model_validate(request)).model_dump()
    except Exception as exc:  # the caller validated the request; this is the sandbox failing
        log.exception("run_code failed")
        return RunCodeResponse(
            status="SandboxError", message=f"{type(exc).__name__}: {exc}"
        ).model_dump()
