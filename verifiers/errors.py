"""Exceptions raised by the verifiers package.

The hierarchy::

    VerifierError
    ├── UnknownVerifierError        (also LookupError)
    ├── DuplicateVerifierError
    ├── VerifierConfigError         (also ValueError)
    └── WorkerError
        ├── TimeLimitExceeded       (also TimeoutError)
        ├── WorkerCrashed
        └── RemoteError             (the called function raised inside the worker)

A verifier's ``verify`` never raises these for a bad *response*: it returns a
``Score`` with status ``error`` or ``incorrect``. They are raised for programming
errors (an unknown name, bad options) and, inside the worker pool, for failures the
``Verifier`` base class turns into an ``error`` Score.
"""

from __future__ import annotations

__all__ = [
    "DuplicateVerifierError",
    "RemoteError",
    "TimeLimitExceeded",
    "UnknownVerifierError",
    "VerifierConfigError",
    "VerifierError",
    "WorkerCrashed",
    "WorkerError",
]


class VerifierError(Exception):
    """Base class of every exception raised by :mod:`verifiers`."""


class UnknownVerifierError(VerifierError, LookupError):
    """No verifier is registered under the requested name."""


class DuplicateVerifierError(VerifierError):
    """Two different objects were registered under one verifier name."""


class VerifierConfigError(VerifierError, ValueError):
    """A verifier was given options it does not accept."""


class WorkerError(VerifierError):
    """The isolated worker could not produce a result."""


class TimeLimitExceeded(WorkerError, TimeoutError):
    """The call ran past its time limit and its worker process was killed."""


class WorkerCrashed(WorkerError):
    """The worker process died (signal, memory limit, interpreter crash) mid-call."""


class RemoteError(WorkerError):
    """The function raised inside the worker; the original type and traceback are kept."""

    def __init__(self, exc_type: str, message: str, traceback: str = "") -> None:
        super().__init__(f"{exc_type}: {message}")
        self.exc_type = exc_type
        self.message = message
        self.traceback = traceback
