"""Isolated execution of untrusted code: ``run(ExecRequest) -> ExecResult``.

Quick use::

    from m1env import sandbox
    res = sandbox.run(sandbox.ExecRequest(language="python3", source="print(input())",
                                          stdin="hi\\n", limits=sandbox.Limits(wall_s=2)))
    res.verdict, res.stdout          # ('ok', 'hi\\n')

    prog = sandbox.prepare(sandbox.ExecRequest(language="c++", source=cpp))  # compile once
    results = [prog.run(stdin=t) for t in tests]                               # run many

    env = sandbox.prepare_environment(sandbox.EnvironmentSpec(name="repo",
                                                              requirements=("attrs",)))
    env.backend.run(sandbox.ExecRequest(command=[...], mounts=env.mounts))   # its venv/image

Task environments (:mod:`m1env.sandbox.environments`): requirements, tools and a
reference tree, built once per content hash by the backend that runs them (a venv
mounted read-only under bwrap, an image under docker).

Backends (see each module's docstring for what it protects against and what not):
``bwrap`` (namespaces + a seccomp filter, :mod:`m1env.sandbox.seccomp`; the default
where available), ``docker``, ``process`` (no isolation).  ``M1ENV_SANDBOX_BACKEND``
selects one; :func:`get_backend` auto-detects otherwise and fails closed: with neither
bubblewrap nor Docker it raises :class:`IsolationUnavailableError` (install
bubblewrap or start Docker), never falling back to ``process``, which runs only when
named and acknowledged (``M1ENV_ALLOW_UNSANDBOXED=1``).  ``m1env sandbox doctor``
says what this machine offers.
Concurrency is capped process-wide (``M1ENV_SANDBOX_MAX_JOBS``, default: CPUs);
excess jobs wait for a slot.

Settings (environment):

``M1ENV_SANDBOX_BACKEND``      ``bwrap`` | ``docker`` | ``process``; unset: auto-detect
``M1ENV_ALLOW_UNSANDBOXED``    ``1``: the named ``process`` backend may run (no isolation)
``M1ENV_SANDBOX_MAX_JOBS``     concurrent jobs per process (default: CPU count)
``M1ENV_SANDBOX_UID``          host uid jobs run as when the worker is root (65534)
``M1ENV_SANDBOX_TMP``          base of per-job work dirs (default /dev/shm/m1env-sandbox-UID)
``M1ENV_SANDBOX_IMAGE``        docker image (default ``m1env-sandbox-base``)
``M1ENV_SANDBOX_DOCKER_POOL``  warm containers per job shape (default: the job cap)
``M1ENV_SWE_CACHE``            where task environments (venvs) are built
``M1ENV_SWE_WHEELS``           a wheel directory: environments install only from it

System setup: ``scripts/ci/setup-sandbox.sh`` (bubblewrap) and
``scripts/ci/setup-docker.sh`` (docker engine + base image), both idempotent.
"""

from __future__ import annotations

from collections.abc import Sequence

from m1env.errors import (
    BackendUnavailableError,
    EnvironmentBuildError,
    IsolationUnavailableError,
    SandboxBusyError,
    SandboxConfigError,
    SandboxError,
    SandboxInternalError,
    UnknownBackendError,
    UnknownLanguageError,
    UnsafePathError,
)

from .backend import Backend, Program, Step, decide_verdict
from .contract import VERDICTS, ExecRequest, ExecResult, Limits, Mount, Verdict
from .environments import EnvironmentSpec, PreparedEnvironment, close_environments
from .languages import COMPILE_LIMITS, Language, get_language, languages, register_language
from .limiter import JobLimiter, get_limiter, set_max_jobs
from .registry import (
    BACKEND_ENV,
    available_backends,
    choose_backend_name,
    close_backends,
    get_backend,
)

__all__ = [
    "BACKEND_ENV",
    "COMPILE_LIMITS",
    "VERDICTS",
    "Backend",
    "BackendUnavailableError",
    "EnvironmentBuildError",
    "EnvironmentSpec",
    "ExecRequest",
    "ExecResult",
    "IsolationUnavailableError",
    "JobLimiter",
    "Language",
    "Limits",
    "Mount",
    "PreparedEnvironment",
    "Program",
    "SandboxBusyError",
    "SandboxConfigError",
    "SandboxError",
    "SandboxInternalError",
    "Step",
    "UnknownBackendError",
    "UnknownLanguageError",
    "UnsafePathError",
    "Verdict",
    "available_backends",
    "choose_backend_name",
    "close_backends",
    "close_environments",
    "decide_verdict",
    "get_backend",
    "get_language",
    "get_limiter",
    "languages",
    "prepare",
    "prepare_environment",
    "register_language",
    "run",
    "run_many",
    "set_max_jobs",
]


def _resolve(backend: Backend | str | None) -> Backend:
    return backend if isinstance(backend, Backend) else get_backend(backend)


def run(request: ExecRequest, backend: Backend | str | None = None) -> ExecResult:
    """Run one request (compiling first if its language needs it)."""
    return _resolve(backend).run(request)


def prepare(request: ExecRequest, backend: Backend | str | None = None) -> Program:
    """Compile once; call ``.run(stdin=...)`` on the result for each input."""
    return _resolve(backend).prepare(request)


def run_many(
    request: ExecRequest, stdins: Sequence[str | bytes], backend: Backend | str | None = None
) -> list[ExecResult]:
    """Compile once and run on each stdin, in order."""
    return _resolve(backend).run_many(request, stdins)


def prepare_environment(
    spec: EnvironmentSpec, backend: Backend | str | None = None
) -> PreparedEnvironment:
    """``spec``'s task environment on ``backend`` (default: the chosen one), built once
    per content hash; run requests on ``.backend`` with ``.mounts`` (see
    :mod:`m1env.sandbox.environments`). Raises EnvironmentBuildError when it cannot be built."""
    return _resolve(backend).prepare_environment(spec)
