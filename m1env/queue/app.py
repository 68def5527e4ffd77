"""The Celery application: Redis broker, three queues, at-least-once delivery.

Settings and why:

* ``task_acks_late`` + ``task_reject_on_worker_lost``: a message is acknowledged only
  after its task returns, and a task whose worker process died (SIGKILL, OOM) is put
  back on the queue instead of being dropped -- so delivery is *at least once*.
  Exactly-once *results* come from SQL (:mod:`m1env.store.jobs`): a redelivered job
  that is already finished writes nothing; one that keeps killing its worker is
  stopped by the attempt counter kept in SQL.
* ``worker_prefetch_multiplier = 1``: a worker holds one unacknowledged message per
  process, so a killed process strands one chunk, not a prefetch buffer.
* ``task_time_limit`` (hard, SIGKILL of the pool process) below the broker's
  ``visibility_timeout`` (checked by :class:`QueueConfig`).
* JSON only (``accept_content = ["json"]``): no pickle from the network.
* Scores are kept in SQL, not in a Celery result backend (``task_ignore_result``).
  The one exception is ``m1env.run_code`` (SandboxFusion's ``/run_code`` in queue
  mode): its reply is a program's output, not a score, and travels back through the
  Redis result backend for an hour.
* A broker outage never stalls a caller: connecting to Redis and every socket read and
  write give up after ``publish_timeout_s`` (``broker_connection_timeout`` and the
  transport's socket timeouts; a Redis command takes milliseconds), and a publish
  retries once at most (a pooled connection that died with a Redis restart is replaced
  on the retry). The jobs of a publish that failed wait in SQL for the sweeper.
* Messages that Redis loses outright (it keeps nothing on disk here) are recovered
  by the sweeper (:mod:`m1env.queue.sweep`) from the jobs table.
"""

from __future__ import annotations

import threading

from celery import Celery
from kombu import Queue

from m1env.queue.config import QueueConfig
from m1env.queue.routing import DEFAULT_QUEUE, QUEUES

__all__ = ["RUN_CODE_TASK", "TASK_NAME", "get_app", "make_app"]

TASK_NAME = "m1env.score_jobs"
RUN_CODE_TASK = "m1env.run_code"

_apps: dict[QueueConfig, Celery] = {}
_lock = threading.Lock()


def soft_time_limit(hard_s: float) -> float:
    """The soft limit: the task's last chance to record its chunk's jobs as ``error``.

    At most 10 s (300 s -> 290 s) and at most a fifth of the hard limit below it,
    so a short hard limit (10 s -> 8 s) does not shrink into a deadline that an
    ordinary chunk misses on a loaded machine.
    """
    return hard_s - min(10.0, hard_s / 5)


def make_app(config: QueueConfig) -> Celery:
    """A new Celery app for ``config`` (tasks from :mod:`m1env.queue.tasks`)."""
    app = Celery("m1env", broker=config.broker_url, include=["m1env.queue.tasks"])
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_time_limit=config.time_limit_s,
        task_soft_time_limit=soft_time_limit(config.time_limit_s),
        broker_transport_options={
            "visibility_timeout": config.visibility_timeout_s,
            "socket_timeout": config.publish_timeout_s,
            "socket_connect_timeout": config.publish_timeout_s,
        },
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        task_ignore_result=True,
        result_backend=config.broker_url,
        result_expires=3600,
        task_default_queue=DEFAULT_QUEUE,
        task_queues=[Queue(name) for name in QUEUES],
        task_create_missing_queues=False,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        task_publish_retry=True,
        task_publish_retry_policy={
            "max_retries": 1,
            "interval_start": 0,
            "interval_step": 0.1,
            "interval_max": 0.1,
        },
        broker_connection_timeout=config.publish_timeout_s,
        worker_cancel_long_running_tasks_on_connection_loss=False,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        m1env_config=config,
    )
    return app


def get_app(config: QueueConfig | None = None) -> Celery:
    """The shared app for ``config`` (default: :meth:`QueueConfig.from_env`)."""
    config = config or QueueConfig.from_env()
    with _lock:
        if config not in _apps:
            _apps[config] = make_app(config)
        return _apps[config]
