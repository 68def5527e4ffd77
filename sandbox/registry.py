"""Choosing a backend: by name, by setting, or by auto-detection.  It fails closed.

Auto-detection tries ``bwrap`` (namespaces + seccomp, the cheapest real isolation),
then ``docker`` (needs a running daemon and the base image), then **refuses**
(:class:`IsolationUnavailableError`, whose message names the fix): code is never run
unisolated because nothing better was installed.  ``M1ENV_SANDBOX_BACKEND`` (or
``get_backend(name)``) names one; an unavailable named backend is an error, never a
silent downgrade.  ``process``, which isolates nothing, runs only when named *and*
acknowledged: ``M1ENV_ALLOW_UNSANDBOXED=1`` or ``allow_unsandboxed=True``.  Backends
are created once per name and reused (they hold pools, cgroup managers and work-dir
bases) and closed when the process exits.
"""

from __future__ import annotations

import atexit
import threading
from typing import Any

from m1env import settings
from m1env.errors import BackendUnavailableError, IsolationUnavailableError, UnknownBackendError

from .backend import ISOLATION_FIX, Backend, unsandboxed_allowed
from .environments import close_environments

__all__ = [
    "BACKENDS",
    "BACKEND_ENV",
    "ISOLATION_FIX",
    "PREFERENCE",
    "available_backends",
    "backend_class",
    "choose_backend_name",
    "close_backends",
    "get_backend",
    "unsandboxed_allowed",
]

BACKEND_ENV = settings.SANDBOX_BACKEND.name
#: Auto-detection order: backends that isolate, only.
PREFERENCE = ("bwrap", "docker")
BACKENDS = (*PREFERENCE, "process")

_INSTANCES: dict[str, Backend] = {}
_LOCK = threading.Lock()


def backend_class(name: str) -> type[Backend]:
    # Imported lazily: the docker backend imports the docker SDK.
    if name == "bwrap":
        from .backends.bwrap import BwrapBackend

        return BwrapBackend
    if name == "docker":
        from .backends.docker import DockerBackend

        return DockerBackend
    if name == "process":
        from .backends.process import ProcessBackend

        return ProcessBackend
    raise UnknownBackendError(f"unknown sandbox backend {name!r}; known: {list(BACKENDS)}")


def available_backends() -> dict[str, tuple[bool, str]]:
    """Every known backend -> (can run here, why)."""
    out: dict[str, tuple[bool, str]] = {}
    for name in BACKENDS:
        try:
            out[name] = backend_class(name).probe()
        except ImportError as exc:
            out[name] = (
                False,
                f"missing Python package: {exc.name} (pip install 'm1env[sandbox]')",
            )
    return out


def choose_backend_name(
    name: str | None = None, *, allow_unsandboxed: bool = False
) -> tuple[str, str]:
    """The backend to use and why: the argument, the setting, or the first isolating
    one that works; :class:`IsolationUnavailableError` when none does."""
    forced = name or settings.SANDBOX_BACKEND.get()
    if forced:
        source = "requested" if name else f"set by {BACKEND_ENV}"
        cls = backend_class(forced)
        if not cls.isolating and not unsandboxed_allowed(allow_unsandboxed):
            raise IsolationUnavailableError(
                f"sandbox backend {forced!r} ({source}) isolates nothing and is refused "
                f"unless {settings.ALLOW_UNSANDBOXED.name}=1 acknowledges that; to run "
                f"code isolated, {ISOLATION_FIX}"
            )
        ok, why = cls.probe()
        if not ok:
            raise BackendUnavailableError(
                f"sandbox backend {forced!r} ({source}) unavailable: {why}"
            )
        return forced, f"{source}; {why}"
    reasons: list[str] = []
    for candidate in PREFERENCE:
        try:
            cls = backend_class(candidate)
            ok, why = cls.probe() if cls.isolating else (False, "isolates nothing")
        except ImportError as exc:
            ok, why = False, f"missing Python package {exc.name}"
        if ok:
            skipped = f" (skipped: {'; '.join(reasons)})" if reasons else ""
            return candidate, f"auto-detected: {why}{skipped}"
        reasons.append(f"{candidate}: {why}")
    raise IsolationUnavailableError(
        f"no sandbox backend that isolates can run here; {ISOLATION_FIX} "
        f"({'; '.join(reasons)}); nothing was run"
    )


def get_backend(
    name: str | None = None, *, allow_unsandboxed: bool = False, **options: Any
) -> Backend:
    """The shared backend instance for ``name`` (or the chosen one)."""
    chosen, _ = choose_backend_name(name, allow_unsandboxed=allow_unsandboxed)
    cls = backend_class(chosen)
    if not cls.isolating:
        options["allow_unsandboxed"] = True  # acknowledged above
    with _LOCK:
        if set(options) - {"allow_unsandboxed"}:
            return cls(**options)
        if chosen not in _INSTANCES:
            if not _INSTANCES:
                atexit.register(close_backends)  # slot cgroups and pools go with us
            _INSTANCES[chosen] = cls(**options)
        return _INSTANCES[chosen]


def close_backends() -> None:
    """Close every shared backend (drains the docker pool), and those made for task
    environments."""
    close_environments()
    with _LOCK:
        for backend in _INSTANCES.values():
            backend.close()
        _INSTANCES.clear()
