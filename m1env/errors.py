"""Exceptions raised by :mod:`m1env`.

The hierarchy (``verifiers`` and ``sandbox`` keep their own, re-exported here)::

    M1EnvError
    ├── RegistryError
    │   ├── UnknownEnvironmentError     (also LookupError)
    │   └── DuplicateEnvironmentError
    ├── TaskError                       (also ValueError: a malformed Task or dataset row)
    ├── EnvCheckError                   (also AssertionError: m1env.check_env failed)
    └── StoreError                      (the episode store could not read or write)
"""

from __future__ import annotations

from verifiers.errors import (
    DuplicateVerifierError,
    TimeLimitExceeded,
    UnknownVerifierError,
    VerifierError,
)

__all__ = [
    "DuplicateEnvironmentError",
    "DuplicateVerifierError",
    "EnvCheckError",
    "M1EnvError",
    "RegistryError",
    "StoreError",
    "TaskError",
    "TimeLimitExceeded",
    "UnknownEnvironmentError",
    "UnknownVerifierError",
    "VerifierError",
]


class M1EnvError(Exception):
    """Base class of the exceptions raised by :mod:`m1env`."""


class RegistryError(M1EnvError):
    """An environment could not be registered or found."""


class UnknownEnvironmentError(RegistryError, LookupError):
    """No environment is registered under the requested id."""


class DuplicateEnvironmentError(RegistryError):
    """Two different specs claim one environment id."""


class TaskError(M1EnvError, ValueError):
    """A Task, or a dataset row meant to become one, is malformed."""


class EnvCheckError(M1EnvError, AssertionError):
    """An environment failed :func:`m1env.check_env`."""


class StoreError(M1EnvError):
    """The episode store could not complete an operation."""
