"""How the service scores: :mod:`m1env.scoring`'s one scorer, plus what HTTP needs.

:class:`ServiceScorer` scores prepared items with :class:`~m1env.scoring.LocalScorer` (mode
``embedded``: a killable :class:`~m1env.verifiers.WorkerPool` of ``workers`` processes) or
:class:`~m1env.scoring.QueueScorer` (mode ``queue``: every item -- of ``/v1/score`` and
batches too -- is a job in SQL, so the jobs table is an audit trail of everything scored;
a request not scored within ``sync_timeout_s`` is a :class:`~m1env.errors.ScoreTimeout`, answered 504
with the job id). On top it keeps asynchronous jobs (``/v1/jobs``) in the episode
store's ``scoring_jobs`` table: in queue mode they are published like any item; in
embedded mode background tasks score them, and jobs left unfinished by a previous run
are picked up again at start (so an embedded service should not share its database with
queue workers).

Input text policy (the same in both modes and on SQLite and PostgreSQL): the JSON
strings of ``response``, ``reference`` and ``options`` go through the store's
:func:`~m1env.store.sanitize.clean_json` -- each NUL and each lone surrogate becomes
U+FFFD -- before anything is verified, and the Score's ``details["input_sanitized"]``
says what was replaced. Everything else is scored as sent.
"""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
from dataclasses import dataclass, replace
from typing import Any

from m1env.errors import BadRequest, StoreError
from m1env.scoring import LocalScorer, QueueScorer
from m1env.service.config import ServiceConfig
from m1env.store import EpisodeStore, JobRecord
from m1env.store.base import ident
from m1env.store.sanitize import Report, clean_json
from m1env.verifiers import Score, UnknownVerifierError, Verifier, get_verifier

__all__ = ["Item", "ServiceScorer", "prepare"]

log = logging.getLogger(__name__)
MAX_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Item:
    """A validated request: the verifier, the cleaned payload, what cleaning replaced
    (a :class:`~m1env.scoring.Scorable`)."""

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


class ServiceScorer:
    """The service's scorer for ``config.mode`` (see the module docstring)."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        # Verification and SQL block; they run in the scorer's threads, never on the loop.
        threads = max(4, 2 * config.workers + 2)
        self.backend: LocalScorer | QueueScorer
        if config.mode == "queue":
            self.backend = QueueScorer(
                config.queue, timeout_s=config.sync_timeout_s, on_timeout="raise", threads=threads
            )
        else:
            self.backend = LocalScorer(workers=config.workers, threads=threads)
        self._store: EpisodeStore | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def mode(self) -> str:
        return self.config.mode

    @property
    def store(self) -> EpisodeStore:
        if isinstance(self.backend, QueueScorer):
            return self.backend.store
        if self._store is None:
            self._store = EpisodeStore(self.config.queue.database_url)
        return self._store

    async def score(self, items: list[Item]) -> list[Score]:
        scores = await self.backend.ascore(items)
        return [_annotate(s, item) for s, item in zip(scores, items, strict=True)]

    async def submit(self, item: Item) -> tuple[JobRecord, bool]:
        """Claim ``item`` as an asynchronous job and see that it gets scored."""
        if isinstance(self.backend, QueueScorer):
            claimed = await self.backend.call(self.backend.submit, [item])
            return claimed[0]
        key = item.key or f"job-{uuid.uuid4()}"
        record, created = await self.backend.call(
            self.store.claim_job, key, item.name, item.payload
        )
        if not record.finished:
            self._spawn(record.id)
        return record, created

    async def job(self, job_id: int) -> tuple[JobRecord, Score | None] | None:
        def read() -> tuple[JobRecord, Score | None] | None:
            record = self.store.get_job(job_id)
            if record is None:
                return None
            return record, self.store.job_score(job_id) if record.result_score_id else None

        return await self.backend.call(read)

    def _spawn(self, job_id: int) -> None:
        task = asyncio.get_running_loop().create_task(self.backend.call(self._run_job, job_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _run_job(self, job_id: int) -> None:
        from m1env.queue.delivery import run_job

        try:
            run_job(self.store, job_id, self.config.queue.max_attempts)
        except Exception:
            log.exception("embedded job %s failed", job_id)

    async def start(self) -> None:
        """Embedded: pick up jobs a previous run left unfinished (this database only)."""
        if isinstance(self.backend, QueueScorer):
            return
        try:
            leftovers = await self.backend.call(self.store.stale_jobs, 0.0)
        except StoreError as exc:
            log.warning("could not look for unfinished jobs: %s", exc)
            return
        for job_id, _ in leftovers:
            self._spawn(job_id)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self.backend.close()
        if self._store is not None:
            self._store.close()

    def healthy(self) -> tuple[bool, dict[str, Any]]:
        """Whether the service can score, and what ``/healthz`` reports (blocks on the
        broker and the database in queue mode).

        Queue mode needs both for every request, so either one unreachable is unhealthy.
        Embedded mode scores without the database (only ``/v1/jobs`` needs it), so it is
        healthy as long as it runs.
        """
        if isinstance(self.backend, QueueScorer):
            broker = self.backend.broker_reachable()
            database = self._database_reachable()
            report = {
                "mode": self.mode,
                "broker": "ok" if broker else "unreachable",
                "database": "ok" if database else "unreachable",
            }
            return broker and database, report
        workers = self.backend.pool.size if self.backend.pool is not None else 0
        return True, {"mode": self.mode, "workers": workers}

    def _database_reachable(self) -> bool:
        try:
            self.store.ping()  # the first call opens the store, which checks the schema too
        except StoreError as exc:
            log.warning("health check: %s", exc)
            return False
        return True
