"""Scoring a batch of completions: in this process, or through m1env's Celery queue.

* :class:`LocalScorer` (``RLConfig.scoring = "local"``, the default) calls each environment's
  verifier here (``env.score``), which runs isolated verifiers in the embedded worker pool.
* :class:`QueueScorer` (``"queue"``) sends the whole batch as stored scoring jobs through
  m1env's queue (:func:`m1env.queue.dispatch.submit`: claimed in SQL, published to Redis in
  chunks, scored by ``m1env worker`` processes anywhere) and polls SQL for the Scores. This is
  how rollouts on one machine are scored by a worker fleet on others.

A job the queue could not score (the verifier raised, attempts ran out, no worker finished it
before ``timeout_s``) comes back as an ``error`` Score with the reason, never as a silent 0:
the loop counts errors per step and turns them into ``RLConfig.error_reward`` explicitly.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from m1env.verifiers import Score

from m1env.env import TaskEnv
from m1env.errors import TrainerConfigError
from m1env.task import Task

__all__ = ["SCORERS", "LocalScorer", "QueueScorer", "ScoreItem", "Scorer"]

SCORERS = ("local", "queue")


@dataclass(frozen=True)
class ScoreItem:
    env: TaskEnv
    task: Task
    response: str


class Scorer(Protocol):
    """Scores a batch; one Score per item, in order."""

    def score(self, items: Sequence[ScoreItem]) -> list[Score]: ...


class LocalScorer:
    """The environments' own verifiers, in this process."""

    def score(self, items: Sequence[ScoreItem]) -> list[Score]:
        return [it.env.score(it.response, it.task) for it in items]


class QueueScorer:
    """Scores through the Celery queue; see the module docstring.

    ``database_url`` and ``broker_url`` default to ``M1ENV_DATABASE_URL`` and
    ``M1ENV_BROKER_URL`` (:meth:`m1env.queue.QueueConfig.from_env`). Idempotency keys are
    ``trainer/<run_id>/<n>``, so two trainers sharing a database never collide.
    """

    def __init__(
        self,
        *,
        database_url: str | None = None,
        broker_url: str | None = None,
        timeout_s: float = 300.0,
        poll_s: float = 0.05,
        run_id: str | None = None,
        chunk_size: int | None = None,
    ) -> None:
        from m1env.queue import QueueConfig, get_app
        from m1env.store import EpisodeStore

        self.config = QueueConfig.from_env(
            database_url=database_url, broker_url=broker_url, chunk_size=chunk_size
        )
        if not self.config.database_url:
            raise TrainerConfigError(
                "queue scoring needs the jobs database: pass --database-url (database_url) or set "
                "M1ENV_DATABASE_URL (the same one the workers use)"
            )
        if not timeout_s > 0 or not poll_s > 0:
            raise TrainerConfigError("timeout_s and poll_s must be > 0")
        self.store = EpisodeStore(self.config.database_url)
        self.app = get_app(self.config)
        self.timeout_s, self.poll_s = timeout_s, poll_s
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self._next = 0

    def score(self, items: Sequence[ScoreItem]) -> list[Score]:
        from m1env.queue.dispatch import submit

        if not items:
            return []
        jobs: list[tuple[str, dict[str, Any], str | None]] = []
        for it in items:
            payload = {
                "response": it.response,
                "reference": it.task.reference,
                "options": dict(it.env.verifier_options),
            }
            jobs.append((it.env.verifier, payload, f"trainer/{self.run_id}/{self._next}"))
            self._next += 1
        claimed = submit(self.store, self.app, jobs, chunk_size=self.config.chunk_size)
        ids = [job.id for job, _ in claimed]
        found: dict[int, Score] = {}
        deadline = time.monotonic() + self.timeout_s
        while True:
            missing = [i for i in ids if i not in found]
            if missing:
                found.update(self.store.job_scores(missing))
            if len(found) == len(set(ids)) or time.monotonic() > deadline:
                break
            time.sleep(self.poll_s)
        out = []
        for job_id in ids:
            if job_id in found:
                out.append(found[job_id])
                continue
            job = self.store.get_job(job_id)
            state = job.state if job is not None else "missing"
            out.append(
                Score.error(
                    f"queue: job {job_id} not scored within {self.timeout_s:g}s (state {state})",
                    job_id=job_id,
                )
            )
        return out

    def close(self) -> None:
        self.store.close()


def make_scorer(kind: str, **queue_options: Any) -> Scorer:
    """``"local"`` or ``"queue"`` (``queue_options`` go to :class:`QueueScorer`)."""
    if kind == "local":
        return LocalScorer()
    if kind == "queue":
        return QueueScorer(**queue_options)
    raise TrainerConfigError(f"unknown scoring {kind!r}; choose one of {SCORERS}")
