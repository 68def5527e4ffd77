"""Choosing a backend: by name, by setting, or by auto-detection.

Order of preference for auto-detection: ``bwrap`` (namespaces, cheapest real
isolation), then ``docker`` (needs a running daemon and the base image), then
``process`` (no isolation; chosen only when nothing else works, with a loud warning).
``M1ENV_SANDBOX_BACKEND`` (or ``get_backend(name)``) forces one; an unavailable forced
backend is an error, never a silent downgrade.  Backends are created once per name
and reused (they hold pools, cgroup managers and work-dir bases).
"""

from __future__ import annotations

import threading
from typing import Any

from m1env import settings
from m1env.errors import BackendUnavailableError, UnknownBackendError

from .backend import Backend
from .environments import close_environments

__all__ = [
    "BACKEND_ENV",
    "PREFERENCE",
    "available_backends",
    "backend_class",
    "choose_backend_name",
    "close_backends",
    "get_backend",
]

BACKEND_ENV = settings.SANDBOX_BACKEND.name
PREFERENCE = ("bwrap", "docker", "process")

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
    raise UnknownBackendError(f"unknown sandbox backend {name!r}; known: {list(PREFERENCE)}")


def available_backends() -> dict[str, tuple[bool, str]]:
    """Every known backend -> (can run here, why)."""
    out: dict[str, tuple[bool, str]] = {}
    for name in PREFERENCE:
        try:
            out[name] = backend_class(name).probe()
        except ImportError as exc:
            out[name] = (
                False,
                f"missing Python package: {exc.name} (pip install 'm1env[sandbox]')",
            )
    return out


def choose_backend_name(name: str | None = None) -> tuple[str, str]:
    """The backend to use and why: the argument, the setting, or the first that works."""
    forced = name or settings.SANDBOX_BACKEND.get()
    if forced:
        source = "requested" if name else f"set by {BACKEND_ENV}"
        cls = backend_class(forced)
        ok, why = cls.probe()
        if not ok:
            raise BackendUnavailableError(
                f"sandbox backend {forced!r} ({source}) unavailable: {why}"
            )
        return forced, f"{source}; {why}"
    reasons: list[str] = []
    for candidate in PREFERENCE:
        try:
            ok, why = backend_class(candidate).probe()
        except ImportError as exc:
            ok, why = False, f"missing Python package {exc.name}"
        if ok:
            skipped = f" (skipped: {'; '.join(reasons)})" if reasons else ""
            return candidate, f"auto-detected: {why}{skipped}"
        reasons.append(f"{candidate}: {why}")
    raise BackendUnavailableError("no sandbox backend can run: " + "; ".join(reasons))


def get_backend(name: str | None = None, **options: Any) -> Backend:
    """The shared backend instance for ``name`` (or the chosen one)."""
    chosen, _ = choose_backend_name(name)
    with _LOCK:
        if options:
            return backend_class(chosen)(**options)
        if chosen not in _INSTANCES:
            _INSTANCES[chosen] = backend_class(chosen)()
        return _INSTANCES[chosen]


def close_backends() -> None:
    """Close every shared backend (drains the docker pool), and those made for task
    environments."""
    close_environments()
    with _LOCK:
        for backend in _INSTANCES.values():
            backend.close()
        _INSTANCES.clear()
