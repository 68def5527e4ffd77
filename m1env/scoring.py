"""The one scorer: in this process or through the queue, each with a sync and an async face.

Used by the scoring service (:mod:`m1env.service.scoring` adds its HTTP specifics) and by
the trainer (:mod:`m1env.trainer.scoring` adds its config plumbing). Items are anything
:class:`Scorable` -- a verifier name, a ``{"response", "reference", "options"}`` payload
and an optional idempotency key -- and every call gives back one Score per item, in order:

* :class:`LocalScorer` verifies here: ``score`` one item after another, ``ascore`` all
  at once in a thread pool. Isolated verifiers run in a killable
  :class:`~m1env.verifiers.WorkerPool` (its own, or the verifiers' default one); their
  time limits are the verifiers' own.
* :class:`QueueScorer` claims every item as a job in SQL, publishes chunks to Celery
  (:func:`m1env.queue.dispatch.submit`) and reads the Scores back from SQL: ``score``
  polls for one batch, ``ascore`` shares one poller task among every waiting call.

Time limit (the queue's, one rule for both faces): a job whose Score is not stored within
``timeout_s`` of its submission is, as the caller chose with ``on_timeout``, an ``error``
Score naming the job and its state (``"error"``, the trainer's choice) or a
:class:`~m1env.errors.ScoreTimeout` carrying the first such job's id (``"raise"``, the
service's: it answers 504 and the client polls). Never a silent 0; the job itself goes on
and a worker may still score it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from m1env.errors import ScoreTimeout, StoreError
from m1env.store import EpisodeStore, JobRecord
from m1env.verifiers import Score, WorkerPool, get_verifier

if TYPE_CHECKING:
    from m1env.queue.config import QueueConfig

__all__ = ["ON_TIMEOUT", "LocalScorer", "OnTimeout", "QueueScorer", "Scorable"]

log = logging.getLogger(__name__)
T = TypeVar("T")
OnTimeout = Literal["error", "raise"]
ON_TIMEOUT: tuple[OnTimeout, ...] = ("error", "raise")
# Polling starts fast (results of quick verifiers arrive within milliseconds) and backs
# off to ``poll_s`` while nothing arrives: one query per tick serves a whole batch.
_FIRST_POLL_S = 0.002


class Scorable(Protocol):
    """One thing to score: the verifier's name, its payload, an optional idempotency key."""

    @property
    def name(self) -> str: ...

    @property
    def payload(self) -> Mapping[str, Any]: ...

    @property
    def key(self) -> str | None: ...


class _Faces:
    """What both modes share: a thread pool that keeps blocking work off the event loop."""

    mode: str

    def __init__(self, threads: int) -> None:
        self._threads = threads
        self._executor: ThreadPoolExecutor | None = None

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in this scorer's threads (verification and SQL block)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self._threads, thread_name_prefix="m1env-score")
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


class LocalScorer(_Faces):
    """Verifies in this process. ``workers``: a pool of its own of that many processes
    (closed by :meth:`close`); else ``pool``; else the verifiers' default pool."""

    mode = "local"

    def __init__(
        self, pool: WorkerPool | None = None, *, workers: int | None = None, threads: int = 4
    ) -> None:
        super().__init__(threads)
        self._owns_pool = pool is None and workers is not None
        self.pool = WorkerPool(workers) if workers is not None and pool is None else pool

    def verify(self, item: Scorable) -> Score:
        payload = item.payload
        options = dict(payload.get("options") or {})
        if self.pool is not None:
            options["pool"] = self.pool
        return get_verifier(item.name).verify(
            payload["response"], payload.get("reference"), **options
        )

    def score(self, items: Sequence[Scorable]) -> list[Score]:
        return [self.verify(item) for item in items]

    async def ascore(self, items: Sequence[Scorable]) -> list[Score]:
        return list(await asyncio.gather(*(self.call(self.verify, item) for item in items)))

    def close(self) -> None:
        super().close()
        if self._owns_pool and self.pool is not None:
            self.pool.close()


class QueueScorer(_Faces):
    """Scores through the Celery queue; see the module docstring.

    ``store``: the jobs database to use (else one is opened on ``config.database_url`` and
    closed by :meth:`close`). ``poll_s``: the longest pause between two polls.
    ``key_prefix``: keys ``<prefix>/<n>`` for items without a key (else ``job-<uuid>``).
    """

    mode = "queue"

    def __init__(
        self,
        config: QueueConfig,
        *,
        timeout_s: float,
        on_timeout: OnTimeout = "error",
        poll_s: float = 0.01,
        key_prefix: str | None = None,
        store: EpisodeStore | None = None,
        threads: int = 4,
    ) -> None:
        if not timeout_s > 0 or not poll_s > 0:
            raise ValueError(f"timeout_s and poll_s must be > 0, got {timeout_s}, {poll_s}")
        if on_timeout not in ON_TIMEOUT:
            raise ValueError(f"on_timeout must be one of {ON_TIMEOUT}, got {on_timeout!r}")
        super().__init__(threads)
        from m1env.queue.app import get_app  # celery is the service extra's, not the trainer's

        self.config = config
        self.app = get_app(config)
        self.timeout_s, self.on_timeout, self.poll_s = timeout_s, on_timeout, poll_s
        self.key_prefix = key_prefix
        self._store, self._owns_store = store, store is None
        self._numbers = itertools.count()
        # Calls waiting for a job share one future; one poller task serves them all.
        self._waiters: dict[int, asyncio.Future[Score]] = {}
        self._refs: dict[int, int] = {}
        self._poller: asyncio.Task[None] | None = None

    @property
    def store(self) -> EpisodeStore:
        if self._store is None:
            self._store = EpisodeStore(self.config.database_url)
        return self._store

    def submit(self, items: Sequence[Scorable]) -> list[tuple[JobRecord, bool]]:
        """Claim the items as jobs and publish the new ones; ``(job, created)`` each."""
        from m1env.queue.dispatch import submit

        jobs = [(item.name, dict(item.payload), self._key(item)) for item in items]
        return submit(self.store, self.app, jobs, chunk_size=self.config.chunk_size)

    def _key(self, item: Scorable) -> str | None:
        if item.key is not None or self.key_prefix is None:
            return item.key
        return f"{self.key_prefix}/{next(self._numbers)}"

    def score(self, items: Sequence[Scorable]) -> list[Score]:
        if not items:
            return []
        ids = [job.id for job, _ in self.submit(items)]
        deadline = time.monotonic() + self.timeout_s
        found: dict[int, Score] = {}
        delay = _FIRST_POLL_S
        while True:
            new = self.store.job_scores([i for i in dict.fromkeys(ids) if i not in found])
            found.update(new)
            if len(found) == len(set(ids)) or time.monotonic() >= deadline:
                break
            delay = _FIRST_POLL_S if new else min(delay * 1.5, self.poll_s)
            time.sleep(max(0.0, min(delay, deadline - time.monotonic())))
        return self._resolve(ids, found)

    async def ascore(self, items: Sequence[Scorable]) -> list[Score]:
        if not items:
            return []
        claimed = await self.call(self.submit, items)
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
            waiting = asyncio.gather(*(asyncio.shield(f) for f in futures))
            return list(await asyncio.wait_for(waiting, self.timeout_s))
        except TimeoutError:
            found = {i: f.result() for i, f in zip(ids, futures, strict=True) if f.done()}
            return await self.call(self._resolve, ids, found)
        finally:
            for job_id in ids:
                # Stop polling for a job once no call waits for it any more.
                self._refs[job_id] -= 1
                if self._refs[job_id] <= 0:
                    del self._refs[job_id]
                    self._waiters.pop(job_id, None)

    async def _poll(self) -> None:
        """One query for every waiting call: finished jobs resolve their futures."""
        delay = _FIRST_POLL_S
        while self._waiters:
            pending = [i for i, f in self._waiters.items() if not f.done()]
            try:
                found = await self.call(self.store.job_scores, pending) if pending else {}
            except StoreError as exc:  # the database blinked: the deadline still holds
                log.warning("polling for scores failed: %s", exc)
                found = {}
            for job_id, score in found.items():
                waiter = self._waiters.pop(job_id, None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(score)
            delay = _FIRST_POLL_S if found else min(delay * 1.5, self.poll_s)
            await asyncio.sleep(delay)

    def _resolve(self, ids: Sequence[int], found: dict[int, Score]) -> list[Score]:
        """The Scores of ``ids``; the time-limit rule (module docstring) for the rest."""
        missing = [i for i in dict.fromkeys(ids) if i not in found]
        if missing:  # one last look: a job may have finished since the last poll
            found = {**found, **self.store.job_scores(missing)}
            missing = [i for i in missing if i not in found]
        if not missing:
            return [found[i] for i in ids]
        limit = f"not scored within {self.timeout_s:g}s"
        if self.on_timeout == "raise":
            raise ScoreTimeout(
                f"{len(missing)} of {len(set(ids))} jobs {limit}; they go on", missing[0]
            )
        states = {job.id: job.state for job in self.store.unfinished_jobs(missing)}
        return [
            found[i]
            if i in found
            else Score.error(f"queue: job {i} {limit} (state {states.get(i, 'missing')})", job_id=i)
            for i in ids
        ]

    def broker_reachable(self) -> bool:
        """Whether the broker answers within about a second (blocks; for health checks)."""
        with contextlib.suppress(Exception):
            with self.app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=1)
            return True
        return False

    def close(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            self._poller = None
        super().close()
        if self._owns_store and self._store is not None:
            self._store.close()
            self._store = None
