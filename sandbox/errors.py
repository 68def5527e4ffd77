"""Exceptions raised by the sandbox package.

Every error the package raises derives from :class:`SandboxError`::

    SandboxError
    ├── ConfigError (also ValueError)          bad limits, request, setting
    │   ├── UnsafePathError                    a file name escapes the work dir
    │   └── UnknownLanguageError               language not in the registry
    ├── BackendUnavailableError                backend cannot start on this machine
    │   └── UnknownBackendError                no backend of that name
    ├── SandboxBusyError                       the job queue wait timed out
    └── SandboxInternalError                   the sandbox itself failed mid-run

What the sandboxed program does (crash, time out, exhaust memory) is never an
exception: it is a verdict in :class:`sandbox.ExecResult`.  A failure of the
sandbox machinery during a run is reported as the verdict ``sandbox_error`` by
:func:`sandbox.run`; :class:`SandboxInternalError` is what backends raise
internally to get there.
"""

from __future__ import annotations

__all__ = [
    "BackendUnavailableError",
    "ConfigError",
    "SandboxBusyError",
    "SandboxError",
    "SandboxInternalError",
    "UnknownBackendError",
    "UnknownLanguageError",
    "UnsafePathError",
]


class SandboxError(Exception):
    """Root of every exception this package raises."""


class ConfigError(SandboxError, ValueError):
    """A request, limit or setting is invalid; nothing was run."""


class UnsafePathError(ConfigError):
    """A file name is absolute, contains ``..`` or otherwise leaves the work dir."""


class UnknownLanguageError(ConfigError):
    """The language is not registered (see :func:`sandbox.languages`)."""


class BackendUnavailableError(SandboxError):
    """The backend cannot run on this machine (missing tool, daemon, permission)."""


class UnknownBackendError(BackendUnavailableError):
    """No backend is registered under that name."""


class SandboxBusyError(SandboxError):
    """Waiting for a free job slot took longer than the caller allowed."""


class SandboxInternalError(SandboxError):
    """The sandbox machinery failed (not the program inside it)."""
