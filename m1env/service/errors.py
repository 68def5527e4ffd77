"""Exceptions of the scoring service and the queue.

The hierarchy::

    M1EnvError
    └── ServiceError
        ├── BadRequest          (HTTP 4xx: the client sent something we refuse; has .status)
        ├── QueueUnavailable    (the broker could not take a job; the job stays in SQL)
        └── ScoreTimeout        (a synchronous request waited longer than its limit)

Route handlers raise :class:`BadRequest`; the app turns it into a JSON error body
``{"detail": message}`` with its status. Anything else that escapes is a bug and is
answered with 500, logged with its traceback.
"""

from __future__ import annotations

from m1env.errors import M1EnvError

__all__ = ["BadRequest", "QueueUnavailable", "ScoreTimeout", "ServiceError"]


class ServiceError(M1EnvError):
    """Base class of the scoring service's and queue's exceptions."""


class BadRequest(ServiceError):
    """The request is refused with ``status`` (4xx) and a message saying why."""

    def __init__(self, message: str, status: int = 400, *, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.headers = headers or {}


class QueueUnavailable(ServiceError):
    """The Celery broker refused or could not be reached."""


class ScoreTimeout(ServiceError, TimeoutError):
    """A synchronous score waited past its limit; the job goes on and can be polled."""

    def __init__(self, message: str, job_id: int | None = None) -> None:
        super().__init__(message)
        self.job_id = job_id
