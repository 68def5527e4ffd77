"""The Celery queue: durable, at-least-once delivery with exactly-once results.

``get_app(QueueConfig)`` is the Celery app (:mod:`m1env.queue.app` explains its
settings), ``submit`` claims jobs in SQL and publishes them in chunks
(:mod:`m1env.queue.dispatch`), the task ``m1env.score_jobs`` scores them
(:mod:`m1env.queue.tasks`), :mod:`m1env.queue.routing` maps verifiers to the
``verify``/``sandbox``/``judge`` queues and :mod:`m1env.queue.sweep` recovers jobs
whose messages were lost. ``m1env worker --queues verify,sandbox`` runs a worker.
"""

from m1env.queue.app import TASK_NAME, get_app, make_app
from m1env.queue.config import QueueConfig
from m1env.queue.delivery import run_job
from m1env.queue.dispatch import publish, submit
from m1env.queue.routing import DEFAULT_QUEUE, QUEUES, queue_for, set_route
from m1env.queue.sweep import Sweeper, sweep_once

__all__ = [
    "DEFAULT_QUEUE",
    "QUEUES",
    "TASK_NAME",
    "QueueConfig",
    "Sweeper",
    "get_app",
    "make_app",
    "publish",
    "queue_for",
    "run_job",
    "set_route",
    "submit",
    "sweep_once",
]
