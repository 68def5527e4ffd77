"""Process-wide cap on concurrent sandbox jobs, with back-pressure.

Every backend takes a slot from one :class:`JobLimiter` before it starts a job and
gives it back when the job (including cleanup) is over, so a burst of requests waits
in line instead of overcommitting the machine.  The cap is
``M1ENV_SANDBOX_MAX_JOBS`` (default: the number of CPUs); :func:`set_max_jobs`
changes it at runtime.  Waiting is FIFO-fair enough (a ``threading.Condition``);
``timeout`` turns an over-long wait into :class:`SandboxBusyError`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from m1env import settings
from m1env.errors import SandboxBusyError, SandboxConfigError

__all__ = ["JobLimiter", "get_limiter", "set_max_jobs"]


class JobLimiter:
    def __init__(self, max_jobs: int) -> None:
        self._cond = threading.Condition()
        self._running = 0
        self._waiting = 0
        self.peak_running = 0
        self.max_jobs = max_jobs

    @property
    def max_jobs(self) -> int:
        return self._max

    @max_jobs.setter
    def max_jobs(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise SandboxConfigError(
                f"max concurrent sandbox jobs must be an integer >= 1, got {value!r}"
            )
        with self._cond:
            self._max = value
            self._cond.notify_all()

    @property
    def running(self) -> int:
        return self._running

    @property
    def waiting(self) -> int:
        return self._waiting

    @contextmanager
    def slot(self, timeout: float | None = None) -> Iterator[float]:
        """Hold one job slot; yields the seconds spent waiting for it."""
        start = time.monotonic()
        with self._cond:
            self._waiting += 1
            try:
                ok = self._cond.wait_for(lambda: self._running < self._max, timeout)
            finally:
                self._waiting -= 1
            if not ok:
                raise SandboxBusyError(
                    f"no sandbox slot free within {timeout} s "
                    f"({self._running} running, cap {self._max})"
                )
            self._running += 1
            self.peak_running = max(self.peak_running, self._running)
        try:
            yield time.monotonic() - start
        finally:
            with self._cond:
                self._running -= 1
                self._cond.notify()


def _default_max() -> int:
    raw = settings.SANDBOX_MAX_JOBS.get()
    if not raw:
        return os.cpu_count() or 1
    try:
        return int(raw)
    except ValueError:
        raise SandboxConfigError(
            f"M1ENV_SANDBOX_MAX_JOBS must be an integer, got {raw!r}"
        ) from None


_LIMITER: JobLimiter | None = None
_LOCK = threading.Lock()


def get_limiter() -> JobLimiter:
    global _LIMITER
    with _LOCK:
        if _LIMITER is None:
            _LIMITER = JobLimiter(_default_max())
        return _LIMITER


def set_max_jobs(n: int) -> None:
    get_limiter().max_jobs = n
