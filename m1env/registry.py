"""Environment ids: the ``m1env.environments`` entry-point group, code registration,
and the bridge that makes every id visible to ``gymnasium.make``.

An entry point's name is the environment id (``m1env/Math-v0``; a change to a reward
bumps the version) and its value points to an :class:`EnvSpec`, e.g. in a plugin's
``pyproject.toml``::

    [project.entry-points."m1env.environments"]
    "myorg/Riddles-v0" = "myorg_riddles.env:SPEC"

Entry points are read lazily: ``import m1env`` reads only the installed metadata and
registers each id with gymnasium behind a loader, so no plugin code is imported until
its environment is made or listed. The same id from two different places is rejected
with :class:`DuplicateEnvironmentError` naming both.
"""

from __future__ import annotations

import functools
import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import gymnasium as gym

from m1env.errors import DuplicateEnvironmentError, RegistryError, UnknownEnvironmentError

__all__ = ["ENTRY_POINT_GROUP", "EnvSpec", "env_ids", "make", "register", "spec", "specs"]

ENTRY_POINT_GROUP = "m1env.environments"


@dataclass(frozen=True)
class EnvSpec:
    """How to build one environment id.

    ``entry_point`` is ``"module:Class"`` or a callable; ``kwargs`` are its defaults;
    ``verifier`` names the verifier that scores it (passed to the environment as the
    ``verifier`` keyword, so the spec is the one source of truth).
    """

    id: str
    entry_point: str | Callable[..., gym.Env[Any, Any]]
    verifier: str
    description: str = ""
    kwargs: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        namespace, _, rest = self.id.rpartition("/")
        if not namespace or "-v" not in rest or not rest.rsplit("-v", 1)[1].isdigit():
            raise ValueError(f"environment id must look like 'namespace/Name-vN', got {self.id!r}")
        if not self.verifier:
            raise ValueError(f"environment {self.id!r} needs a verifier name")

    def load_entry_point(self) -> Callable[..., gym.Env[Any, Any]]:
        if callable(self.entry_point):
            return self.entry_point
        module, _, attr = self.entry_point.partition(":")
        if not attr:
            raise RegistryError(f"entry point {self.entry_point!r} must be 'module:attr'")
        loaded: Callable[..., gym.Env[Any, Any]] = getattr(importlib.import_module(module), attr)
        return loaded

    def make(self, **kwargs: Any) -> gym.Env[Any, Any]:
        """Build the environment directly (no gymnasium wrappers)."""
        env = self.load_entry_point()(**{"verifier": self.verifier, **self.kwargs, **kwargs})
        return env


_lock = threading.RLock()
_code_specs: dict[str, EnvSpec] = {}
_entry_points: dict[str, EntryPoint] = {}
_conflicts: dict[str, str] = {}
_loaded: dict[str, EnvSpec] = {}
_discovered = False


def _discover() -> None:
    global _discovered
    with _lock:
        if _discovered:
            return
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            other = _entry_points.get(ep.name)
            if other is not None and other.value != ep.value:
                _conflicts[ep.name] = (
                    f"environment {ep.name!r} is registered twice: by entry point "
                    f"{other.value!r} and by {ep.value!r}; uninstall one of the packages"
                )
                continue
            _entry_points[ep.name] = ep
            _register_with_gymnasium(ep.name)
        _discovered = True


def _create(env_id: str, **kwargs: Any) -> gym.Env[Any, Any]:
    return spec(env_id).make(**kwargs)


def _register_with_gymnasium(env_id: str) -> None:
    if env_id in gym.registry:
        existing = gym.registry[env_id].entry_point
        if isinstance(existing, functools.partial) and existing.func is _create:
            return
        raise DuplicateEnvironmentError(
            f"environment {env_id!r} is already registered with gymnasium by {existing!r}"
        )
    gym.register(id=env_id, entry_point=functools.partial(_create, env_id))


def register(env_spec: EnvSpec, *, replace: bool = False) -> EnvSpec:
    """Register an environment from code (tests, notebooks); plugins use entry points."""
    if not isinstance(env_spec, EnvSpec):
        raise TypeError(f"register() takes an EnvSpec, got {type(env_spec).__name__}")
    _discover()
    with _lock:
        if not replace:
            if env_spec.id in _entry_points:
                raise DuplicateEnvironmentError(
                    f"environment {env_spec.id!r} is already provided by entry point "
                    f"{_entry_points[env_spec.id].value!r}"
                )
            known = _code_specs.get(env_spec.id)
            if known is not None and known != env_spec:
                raise DuplicateEnvironmentError(
                    f"environment {env_spec.id!r} is already registered; pass replace=True"
                )
        _code_specs[env_spec.id] = env_spec
        _loaded.pop(env_spec.id, None)
        _register_with_gymnasium(env_spec.id)
    return env_spec


def spec(env_id: str) -> EnvSpec:
    """The EnvSpec of ``env_id`` (imports its plugin module on first use)."""
    _discover()
    with _lock:
        if env_id in _conflicts:
            raise DuplicateEnvironmentError(_conflicts[env_id])
        if env_id in _code_specs:
            return _code_specs[env_id]
        if env_id in _loaded:
            return _loaded[env_id]
        ep = _entry_points.get(env_id)
        if ep is None:
            raise UnknownEnvironmentError(
                f"unknown environment {env_id!r}; run `m1env envs` to list them"
            )
        loaded = ep.load()
        if not isinstance(loaded, EnvSpec):
            raise RegistryError(
                f"entry point {ep.value!r} for {env_id!r} is a {type(loaded).__name__}, "
                "not an m1env.EnvSpec"
            )
        if loaded.id != env_id:
            raise RegistryError(
                f"entry point {env_id!r} points to the spec of {loaded.id!r} ({ep.value!r})"
            )
        _loaded[env_id] = loaded
        return loaded


def env_ids() -> list[str]:
    """Every registered id (conflicting ids included: they fail when used)."""
    _discover()
    with _lock:
        return sorted({*_entry_points, *_code_specs, *_conflicts})


def specs() -> list[EnvSpec]:
    """Every registered EnvSpec; raises on a duplicate id."""
    return [spec(env_id) for env_id in env_ids()]


def make(env_id: str, **kwargs: Any) -> gym.Env[Any, Any]:
    """``gymnasium.make`` for an m1env id (registration is ensured first)."""
    _discover()
    spec(env_id)
    return gym.make(env_id, **kwargs)
