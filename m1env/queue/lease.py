"""The lease a delivery holds on its message's jobs while it runs.

A ``running`` job's ``updated_at`` is its lease: :class:`Lease` renews it (and that of
the message's jobs still waiting their turn) every ``every_s`` seconds from a daemon
thread of the pool process doing the work. When that process dies -- SIGKILL, OOM, the
hard time limit -- the renewals stop with it, and the sweeper re-publishes the jobs once
the lease has gone unrenewed for ``QueueConfig.lease_s`` (see :mod:`m1env.queue.sweep`),
instead of waiting out the time limit. Finished jobs are no longer open, so renewing them
changes nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from types import TracebackType

from m1env.store import EpisodeStore

__all__ = ["Lease"]

log = logging.getLogger(__name__)


class Lease:
    """``with Lease(store, job_ids, every_s): ...`` renews the jobs' lease meanwhile."""

    def __init__(self, store: EpisodeStore, job_ids: Sequence[int], every_s: float) -> None:
        self.store, self.job_ids, self.every_s = store, list(job_ids), every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew, name="m1env-lease", daemon=True)

    def _renew(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                self.store.touch_jobs(self.job_ids)
            except Exception as exc:  # the database is away: the next renewal may work
                log.warning("lease renewal of jobs %s failed: %s", self.job_ids[:5], exc)

    def __enter__(self) -> Lease:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every_s + 5)
