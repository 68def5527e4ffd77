"""Fixtures for the sandbox tests: one real backend per parameter, and host checks.

``any_backend`` runs a test on every backend this machine can start (bwrap and
process always where available; docker only with ``-m docker``); an unavailable
backend is skipped with the probe's reason.  The process backend, which isolates
nothing, is made with ``allow_unsandboxed=True``: these tests run only trusted code on it.  :class:`Host` finds processes a job
left behind (by a token put in the job's environment) and job dirs / cgroups left
behind by this worker.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator

import pytest

from m1env import sandbox
from m1env.sandbox.backend import Backend

BACKENDS = [
    "bwrap",
    "process",
    pytest.param("docker", marks=pytest.mark.docker),
]

_INSTANCES: dict[str, Backend] = {}


def make_backend(name: str) -> Backend:
    ok, why = sandbox.registry.backend_class(name).probe()
    if not ok:
        pytest.skip(f"backend {name} unavailable on this machine: {why}")
    if name not in _INSTANCES:
        _INSTANCES[name] = sandbox.get_backend(name, allow_unsandboxed=name == "process")
    return _INSTANCES[name]


@pytest.fixture(params=BACKENDS)
def any_backend(request: pytest.FixtureRequest) -> Backend:
    return make_backend(request.param)


@pytest.fixture(params=["bwrap", pytest.param("docker", marks=pytest.mark.docker)])
def isolating_backend(request: pytest.FixtureRequest) -> Backend:
    return make_backend(request.param)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    for backend in _INSTANCES.values():
        backend.close()


def _environ_has(pid: str, token: bytes) -> bool:
    try:
        with open(f"/proc/{pid}/environ", "rb") as fh:
            if token in fh.read():
                return True
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return token in fh.read()
    except OSError:
        return False


class Host:
    """What a job could leave on the host, keyed by a per-test token."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.token = f"m1tok{uuid.uuid4().hex}"
        self.env = {"M1ENV_TEST_TOKEN": self.token}

    def processes(self) -> list[str]:
        me = str(os.getpid())
        token = self.token.encode()
        return [
            p for p in os.listdir("/proc") if p.isdigit() and p != me and _environ_has(p, token)
        ]

    def leftover_jobs(self) -> list[str]:
        prefix = f"job-{os.getpid()}-"
        found: list[str] = []
        workdirs = getattr(self.backend, "workdirs", None)
        if workdirs is not None:
            # bwrap's sandboxes prepared for a next job hold an empty work dir: not left
            # (any backend of this process: they share the work dir base).
            waiting: set[str] = set()
            for backend in {*sandbox.registry._INSTANCES.values(), self.backend}:
                waiting |= getattr(backend, "waiting_workdirs", set)()
            found += [
                n
                for n in os.listdir(workdirs.base)
                if n.startswith(prefix) and os.path.join(workdirs.base, n) not in waiting
            ]
        cgroups = getattr(self.backend, "cgroups", None)
        if cgroups is not None:
            for base in {cgroups.memory_base, cgroups.pids_base}:
                found += [f"cgroup:{n}" for n in os.listdir(base) if n.startswith(prefix)]
        return found

    def assert_clean(self, timeout: float = 3.0) -> None:
        """Nothing of the job is running and nothing of it is left on disk."""
        deadline = time.monotonic() + timeout
        while (procs := self.processes()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert procs == [], f"job processes still running: {procs}"
        assert self.leftover_jobs() == []
        unpooled = getattr(self.backend, "unpooled_containers", None)
        if unpooled is not None:
            # auto_remove runs just after the container exits: allow it a moment.
            while (left := unpooled()) and time.monotonic() < deadline + 5:
                time.sleep(0.1)
            assert left == [], f"containers left behind: {left}"


@pytest.fixture
def host(any_backend: Backend) -> Iterator[Host]:
    yield Host(any_backend)


@pytest.fixture
def isolated_host(isolating_backend: Backend) -> Iterator[Host]:
    yield Host(isolating_backend)
