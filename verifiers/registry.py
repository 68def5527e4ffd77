"""Verifiers by name, from the ``m1env.verifiers`` entry-point group and from code.

An entry point's name is the verifier name (``math``, ``code``, ``logic/sudoku``) and
its value points to a :class:`~m1env.verifiers.base.Verifier` subclass or a zero-argument
factory returning one. Entry points are read on first lookup and their modules are
imported only when that verifier is asked for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from m1env.errors import DuplicateVerifierError, UnknownVerifierError
from m1env.verifiers.base import Verifier
from m1env.verifiers.score import Score

__all__ = [
    "ENTRY_POINT_GROUP",
    "get_verifier",
    "register_verifier",
    "unregister_verifier",
    "verifier_names",
    "verify",
]

ENTRY_POINT_GROUP = "m1env.verifiers"

Factory = Callable[..., Verifier]

_lock = threading.RLock()
_factories: dict[str, Factory] = {}
_entry_points: dict[str, EntryPoint] | None = None
_instances: dict[str, Verifier] = {}


def _discover() -> dict[str, EntryPoint]:
    global _entry_points
    with _lock:
        if _entry_points is None:
            found: dict[str, EntryPoint] = {}
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                other = found.get(ep.name)
                if other is not None and other.value != ep.value:
                    raise DuplicateVerifierError(
                        f"verifier {ep.name!r} is registered twice: {other.value!r} "
                        f"and {ep.value!r}; uninstall one of the packages"
                    )
                found[ep.name] = ep
            _entry_points = found
        return _entry_points


def register_verifier(name: str, factory: Factory, *, replace: bool = False) -> None:
    """Register a Verifier subclass or factory under ``name`` (code-side registration)."""
    if not name or not isinstance(name, str):
        raise ValueError("a verifier name must be a non-empty string")
    with _lock:
        existing = _factories.get(name)
        if existing is not None and existing is not factory and not replace:
            raise DuplicateVerifierError(
                f"verifier {name!r} is already registered ({existing!r}); pass replace=True"
            )
        if name in _discover() and not replace:
            raise DuplicateVerifierError(
                f"verifier {name!r} is already provided by entry point {_discover()[name].value!r}"
            )
        _factories[name] = factory
        _instances.pop(name, None)


def unregister_verifier(name: str) -> None:
    with _lock:
        _factories.pop(name, None)
        _instances.pop(name, None)


def verifier_names() -> list[str]:
    with _lock:
        return sorted({*_discover(), *_factories})


def _factory(name: str) -> Factory:
    with _lock:
        if name in _factories:
            return _factories[name]
        ep = _discover().get(name)
        if ep is None:
            known = ", ".join(verifier_names()) or "none"
            raise UnknownVerifierError(f"unknown verifier {name!r}; known: {known}")
        factory = ep.load()
        if not callable(factory):
            raise TypeError(f"entry point {ep.value!r} for verifier {name!r} is not callable")
        _factories[name] = factory
        return factory


def get_verifier(name: str, **config: Any) -> Verifier:
    """The verifier registered as ``name``; with ``config``, a freshly configured one."""
    if config:
        verifier = _factory(name)(**config)
    else:
        with _lock:
            if name not in _instances:
                _instances[name] = _factory(name)()
            verifier = _instances[name]
    if not isinstance(verifier, Verifier):
        raise TypeError(f"verifier {name!r} is a {type(verifier).__name__}, not a Verifier")
    return verifier


def verify(name: str, response: Any, reference: Any, **options: Any) -> Score:
    """Score one response with the verifier called ``name``."""
    return get_verifier(name).verify(response, reference, **options)
