"""The sweeper: re-publishes unfinished jobs that no message seems to carry any more.

Redis here keeps nothing on disk, so a restart loses every queued and unacknowledged
message; a worker killed outright (not just its pool process) leaves its message
unacknowledged until the visibility timeout. Either way the job is still ``queued``
or ``running`` in SQL. Every ``interval`` seconds the sweeper takes the ``queued``
jobs untouched for ``stale_after`` seconds and the ``running`` ones untouched for
longer than the hard time limit (their delivery is dead by then), marks them touched
and publishes them again. A job that was in fact still queued is then delivered twice; the second
delivery finds it finished and writes nothing (exactly-once is enforced in SQL).
Several sweepers (one per worker) are safe for the same reason.
"""

from __future__ import annotations

import logging
import threading

from celery import Celery

from m1env.queue.dispatch import touch_and_publish
from m1env.store import EpisodeStore

__all__ = ["Sweeper", "sweep_once"]

log = logging.getLogger(__name__)


def sweep_once(
    store: EpisodeStore,
    app: Celery,
    *,
    stale_after_s: float,
    running_stale_after_s: float | None = None,
    chunk_size: int = 16,
) -> int:
    """Re-publish stale unfinished jobs once; returns how many were published."""
    jobs = store.stale_jobs(stale_after_s, running_older_than_s=running_stale_after_s)
    if not jobs:
        return 0
    sent = touch_and_publish(store, app, jobs, chunk_size=chunk_size)
    log.info("sweeper re-published %d of %d stale jobs", sent, len(jobs))
    return sent


class Sweeper(threading.Thread):
    """A daemon thread running :func:`sweep_once` every ``interval_s`` seconds."""

    def __init__(
        self,
        store: EpisodeStore,
        app: Celery,
        *,
        interval_s: float,
        stale_after_s: float,
        running_stale_after_s: float | None = None,
        chunk_size: int = 16,
    ) -> None:
        super().__init__(name="m1env-sweeper", daemon=True)
        self.store, self.app = store, app
        self.interval_s, self.stale_after_s, self.chunk_size = (
            interval_s,
            stale_after_s,
            chunk_size,
        )
        self.running_stale_after_s = running_stale_after_s
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval_s):
            try:
                sweep_once(
                    self.store,
                    self.app,
                    stale_after_s=self.stale_after_s,
                    running_stale_after_s=self.running_stale_after_s,
                    chunk_size=self.chunk_size,
                )
            except Exception as exc:  # database or broker down: try again next round
                log.warning("sweep failed: %s", exc)

    def stop(self) -> None:
        self.stopped.set()
