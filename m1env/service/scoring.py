"""The two ways the service scores: ``embedded`` (a local process pool) and ``queue``.

Both take the same prepared items and give back Scores in order, and both keep
asynchronous jobs in the episode store's ``scoring_jobs`` table:

* :class:`EmbeddedScorer` verifies in this process's killable
  :class:`~m1env.verifiers.WorkerPool`; jobs are scored by background tasks, and jobs left
  unfinished by a previous run are picked up again at start (so an embedded service
  should not share its database with queue workers).
* :class:`QueueScorer` claims each item -- of ``/v1/score`` and batches too -- as a
  job in SQL (the jobs table is then an audit trail of everything scored), publishes
  chunks to Celery (:mod:`m1env.queue.dispatch`) and waits for the Scores: one poller
  task reads the scores of every waiting request in one query per tick.

Input text policy (the same in both modes and on SQLite and PostgreSQL): the JSON
strings of ``response``, ``reference`` and ``options`` go through the store's
:func:`~m1env.store.sanitize.clean_json` -- each NUL and each lone surrogate becomes
U+FFFD -- before anything is verified, and the Score's ``details["input_sanitized"]``
says what was replaced. Everything else is scored as sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Protocol

from m1env.errors import BadRequest, ScoreTimeout, StoreError
from m1env.service.config import ServiceConfig
from m1env.store import EpisodeStore, JobRecord
from m1env.store.base import ident
from m1env.store.sanitize import Report, clean_json
from m1env.verifiers import Score, UnknownVerifierError, Verifier, WorkerPool, get_verifier

__all__ = ["EmbeddedScorer", "Item", "QueueScorer", "Scorer", "make_scorer", "prepare"]

log = logging.getLogger(__name__)
MAX_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Item:
    """A validated request: the verifier, the cleaned payload, what cleaning replaced."""

    verifier: Verifier
    payload: dict[str, Any]
    sanitized: dict[str, Any] | None
    key: str | None = None

    @property
    def name(self) -> str:
        return self.verifier.name


def prepare(
    name: str, response: str, reference: Any, options: dict[str, Any] | None, key: str | None = None
) -> Item:
    """Check one request; :class:`BadRequest` (422) says what is wrong with it."""
    try:
        verifier = get_verifier(name)
    except UnknownVerifierError as exc:
        raise BadRequest(str(exc), 422) from None
    except Exception as exc:  # a plugin that fails to load is the server's fault
        raise BadRequest(f"verifier {name!r} could not be loaded: {exc}", 503) from None
    if key is not None:
        try:
            ident(key, "idempotency_key")
        except StoreError as exc:
            raise BadRequest(str(exc), 422) from None
    report = Report()
    try:
        payload = clean_json(
            {"response": response, "reference": reference, "options": options or {}}, "", report
        )
    except StoreError as exc:
        raise BadRequest(f"request is not storable JSON: {exc}", 422) from None
    opts = dict(payload["options"])
    timeout = opts.pop("timeout", None)
    if timeout is not None and (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not math.isfinite(timeout)
        or not 0 < timeout <= MAX_TIMEOUT_S
    ):
        raise BadRequest(f"options.timeout must be a number in (0, {MAX_TIMEOUT_S:g}] seconds", 422)
    try:
        verifier.validate_options(dict(opts))
    except ValueError as exc:
        raise BadRequest(f"bad options for verifier {name!r}: {exc}", 422) from None
    sanitized = {k.lstrip("."): v for k, v in (report.as_json() or {}).items()} or None
    return Item(verifier, payload, sanitized, key)


def _annotate(score: Score, item: Item) -> Score:
    if not item.sanitized:
        return score
    return replace(score, details={**score.details, "input_sanitized": item.sanitized})


class Scorer(Protocol):
    mode: str

    @property
    def store(self) -> EpisodeStore: ...

    async def score(self, items: list[Item]) -> list[Score]: ...

    async def submit(self, item: Item) -> tuple[JobRecord, bool]: ...

    async def job(self, job_id: int) -> tuple[JobRecord, Score | None] | None: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def healthy(self) -> dict[str, Any]: ...


class _Base:
    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        self._store: EpisodeStore | None = None
        # Verification and SQL block; they run here, never on the event loop.
        self.executor = ThreadPoolExecutor(
            max_workers=max(4, 2 * config.workers + 2), thread_name_prefix="m1env-score"
        )

    @property
    def store(self) -> EpisodeStore:
        if self._store is None:
            self._store = EpisodeStore(self.config.database_url)
        return self._store

    async def _run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    async def job(self, job_id: int) -> tuple[JobRecord, Score | None] | None:
        def read() -> tuple[JobRecord, Score | None] | None:
            record = self.store.get_job(job_id)
            if record is None:
                return None
            return record, self.store.job_score(job_id) if record.result_score_id else None

        return await self._run(read)

    async def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        if self._store is not None:
            self._store.close()


class EmbeddedScorer(_Base):
    """Scores in a local :class:`~m1env.verifiers.WorkerPool` of ``config.workers`` processes."""

    mode = "embedded"

    def __init__(self, config: ServiceConfig) -> None:
        super().__init__(config)
        self.pool = WorkerPool(config.workers)
        self._tasks: set[asyncio.Task[Any]] = set()

    def _verify(self, item: Item) -> Score:
        payload = item.payload
        return item.verifier.verify(
            payload["response"], payload["reference"], pool=self.pool, **payload["options"]
        )

    async def score(self, items: list[Item]) -> list[Score]:
        scores = await asyncio.gather(*(self._run(self._verify, item) for item in items))
        return [_annotate(s, item) for s, item in zip(scores, items, strict=True)]

    async def submit(self, item: Item) -> tuple[JobRecord, bool]:
        key = item.key or f"job-{uuid.uuid4()}"
        record, created = await self._run(self.store.claim_job, key, item.name, item.payload)
        if record.state in ("queued", "running"):
            self._spawn(record.id)
        return record, created

    def _spawn(self, job_id: int) -> None:
        task = asyncio.get_running_loop().create_task(self._run(self._run_job, job_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _run_job(self, job_id: int) -> None:
        from m1env.queue.jobs import run_job

        try:
            run_job(self.store, job_id, self.config.max_attempts)
        except Exception:
            log.exception("embedded job %s failed", job_id)

    async def start(self) -> None:
        """Pick up jobs a previous run left unfinished (this database only)."""
        try:
            leftovers = await self._run(self.store.stale_jobs, 0.0)
        except StoreError as exc:
            log.warning("could not look for unfinished jobs: %s", exc)
            return
        for job_id, _ in leftovers:
            self._spawn(job_id)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await super().close()
        self.pool.close()

    def healthy(self) -> dict[str, Any]:
        return {"mode": self.mode, "workers": self.pool.size}


class QueueScorer(_Base):
    """Routes every item through Celery; Scores are read back from SQL."""

    mode = "queue"

    def __init__(self, config: ServiceConfig) -> None:
        super().__init__(config)
        from m1env.queue.app import get_app
        from m1env.queue.config import QueueConfig

        self.app = get_app(
            QueueConfig.from_env(
                broker_url=config.broker_url,
                database_url=config.database_url,
                max_attempts=config.max_attempts,
                chunk_size=config.chunk_size,
            )
        )
        # Requests waiting for a job share one future; one poller serves them all.
        self._waiters: dict[int, asyncio.Future[Score]] = {}
        self._refs: dict[int, int] = {}
        self._poller: asyncio.Task[None] | None = None

    def _submit(self, items: list[Item]) -> list[tuple[JobRecord, bool]]:
        from m1env.queue.dispatch import submit

        return submit(
            self.store,
            self.app,
            [(item.name, item.payload, item.key) for item in items],
            chunk_size=self.config.chunk_size,
        )

    async def submit(self, item: Item) -> tuple[JobRecord, bool]:
        claimed: list[tuple[JobRecord, bool]] = await self._run(self._submit, [item])
        return claimed[0]

    async def score(self, items: list[Item]) -> list[Score]:
        claimed: list[tuple[JobRecord, bool]] = await self._run(self._submit, items)
        ids = [job.id for job, _ in claimed]
        loop = asyncio.get_running_loop()
        futures = []
        for job_id in ids:
            waiter = self._waiters.get(job_id)
            if waiter is None:
                waiter = self._waiters[job_id] = loop.create_future()
            self._refs[job_id] = self._refs.get(job_id, 0) + 1
            futures.append(waiter)
        if self._poller is None or self._poller.done():
            self._poller = loop.create_task(self._poll())
        try:
            scores = await asyncio.wait_for(
                asyncio.gather(*(asyncio.shield(f) for f in futures)),
                self.config.sync_timeout_s,
            )
        except TimeoutError:
            missing = [i for i, f in zip(ids, futures, strict=True) if not f.done()]
            raise ScoreTimeout(
                f"{len(missing)} of {len(ids)} jobs not scored within "
                f"{self.config.sync_timeout_s:g}s; poll GET /v1/jobs/{{id}}",
                missing[0] if missing else None,
            ) from None
        finally:
            for job_id in ids:
                # Stop polling for a job once no request waits for it any more.
                self._refs[job_id] -= 1
                if self._refs[job_id] <= 0:
                    del self._refs[job_id]
                    self._waiters.pop(job_id, None)
        return [_annotate(s, item) for s, item in zip(scores, items, strict=True)]

    async def _poll(self) -> None:
        """One query for every waiting request: finished jobs resolve their futures."""
        delay = 0.002
        while self._waiters:
            pending = [i for i, f in self._waiters.items() if not f.done()]
            try:
                found = await self._run(self.store.job_scores, pending) if pending else {}
            except StoreError as exc:
                log.warning("polling for scores failed: %s", exc)
                found = {}
            for job_id, score in found.items():
                waiter = self._waiters.pop(job_id, None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(score)
            # Fast while results arrive, backing off to 10 ms while nothing does: one
            # query per tick serves every waiting request, so this stays cheap.
            delay = 0.002 if found else min(delay * 1.5, 0.01)
            await asyncio.sleep(delay)

    async def start(self) -> None:
        return None

    def healthy(self) -> dict[str, Any]:
        info: dict[str, Any] = {"mode": self.mode}
        with contextlib.suppress(Exception):
            with self.app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=1)
            info["broker"] = "ok"
        info.setdefault("broker", "unreachable")
        return info


def make_scorer(config: ServiceConfig) -> Scorer:
    return EmbeddedScorer(config) if config.mode == "embedded" else QueueScorer(config)
