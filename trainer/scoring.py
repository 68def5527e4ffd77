"""Scoring a batch of completions: in this process, or through m1env's Celery queue.

Both are :mod:`m1env.scoring`'s one scorer; this module adds the trainer's side of it:

* :class:`LocalScorer` (``RLConfig.scoring = "local"``, the default) calls each environment's
  verifier here, which runs isolated verifiers in the embedded worker pool.
* :class:`QueueScorer` (``"queue"``) sends the whole batch as stored scoring jobs through
  m1env's queue (claimed in SQL, published to Redis in chunks, scored by ``m1env worker``
  processes anywhere) and polls SQL for the Scores. This is how rollouts on one machine are
  scored by a worker fleet on others.

A job the queue could not score (the verifier raised, attempts ran out, no worker finished it
before ``timeout_s``) comes back as an ``error`` Score with the reason, never as a silent 0:
the loop counts errors per step and turns them into ``RLConfig.error_reward`` explicitly.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from m1env import scoring
from m1env.env import TaskEnv
from m1env.errors import TrainerConfigError
from m1env.scoring import LocalScorer
from m1env.task import Task
from m1env.trainer.config import QUEUE_TIMEOUT_S
from m1env.verifiers import Score

__all__ = ["SCORERS", "LocalScorer", "QueueScorer", "ScoreItem", "Scorer", "make_scorer"]

SCORERS = ("local", "queue")


@dataclass(frozen=True)
class ScoreItem:
    """A completion of ``task`` in ``env`` (a :class:`m1env.scoring.Scorable`)."""

    env: TaskEnv
    task: Task
    response: str

    @property
    def name(self) -> str:
        return self.env.verifier

    @property
    def payload(self) -> dict[str, Any]:
        return {
            "response": self.response,
            "reference": self.task.reference,
            "options": dict(self.env.verifier_options),
        }

    @property
    def key(self) -> None:
        return None  # the queue scorer numbers the run's jobs (see QueueScorer)


class Scorer(Protocol):
    """Scores a batch; one Score per item, in order."""

    def score(self, items: Sequence[ScoreItem]) -> list[Score]: ...


class QueueScorer(scoring.QueueScorer):
    """:class:`m1env.scoring.QueueScorer` with the trainer's settings; a job not scored
    within ``timeout_s`` is an ``error`` Score.

    ``database_url`` and ``broker_url`` default to ``M1ENV_DATABASE_URL`` and
    ``M1ENV_BROKER_URL`` (:meth:`m1env.queue.QueueConfig.from_env`). Idempotency keys are
    ``trainer/<run_id>/<n>``, so two trainers sharing a database never collide.
    """

    def __init__(
        self,
        *,
        database_url: str | None = None,
        broker_url: str | None = None,
        timeout_s: float = QUEUE_TIMEOUT_S,
        poll_s: float = 0.05,
        run_id: str | None = None,
        chunk_size: int | None = None,
    ) -> None:
        from m1env.queue import QueueConfig

        config = QueueConfig.from_env(
            database_url=database_url, broker_url=broker_url, chunk_size=chunk_size
        )
        if not config.database_url:
            raise TrainerConfigError(
                "queue scoring needs the jobs database: pass --database-url (database_url) or set "
                "M1ENV_DATABASE_URL (the same one the workers use)"
            )
        if not timeout_s > 0 or not poll_s > 0:
            raise TrainerConfigError("timeout_s and poll_s must be > 0")
        self.run_id = run_id or uuid.uuid4().hex[:12]
        super().__init__(
            config,
            timeout_s=timeout_s,
            on_timeout="error",
            poll_s=poll_s,
            key_prefix=f"trainer/{self.run_id}",
        )


def make_scorer(kind: str, **queue_options: Any) -> Scorer:
    """``"local"`` or ``"queue"`` (``queue_options`` go to :class:`QueueScorer`)."""
    if kind == "local":
        return LocalScorer()
    if kind == "queue":
        return QueueScorer(**queue_options)
    raise TrainerConfigError(f"unknown scoring {kind!r}; choose one of {SCORERS}")
