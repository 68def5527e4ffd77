"""Real Redis and real Celery worker processes for the queue tests.

The broker is a ``redis-server`` of the test session's own on a free port (or
``$M1ENV_TEST_REDIS_URL`` where that is set); its queues are purged before each test. The
machine's shared Redis on 6379 is never used, so no other run's tests (nor this run's)
purge or see each other's messages. A test that stops or restarts its broker asks for
``own_redis``, a ``redis-server`` of its own, and stops only that one. Workers run as ``python -m m1env.cli worker`` in their own process group and import
``tests.service.helpers`` for the test verifiers.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from m1env.queue import QueueConfig, get_app
from tests.service import conftest as _service
from tests.service.conftest import free_port

# The store fixtures (SQLite always, PostgreSQL behind -m postgres) are shared.
db_url = _service.db_url
pg_url = _service.pg_url
sqlite_template = _service.sqlite_template

ROOT = Path(__file__).resolve().parents[2]


def purged_broker(url: str, variable: str) -> str:
    """``url`` once Redis answers there and its queues are empty; a failure names ``variable``."""
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=2).ping()
    except Exception as exc:
        pytest.fail(f"Redis at {url} is not usable ({variable}): {exc}")
    get_app(QueueConfig(broker_url=url)).control.purge()
    return url


@pytest.fixture(scope="session")
def session_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The queue tests' Redis: ``$M1ENV_TEST_REDIS_URL``, else one of this session's own."""
    if url := os.environ.get("M1ENV_TEST_REDIS_URL"):
        yield url
        return
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def broker_url(session_redis: str) -> str:
    return purged_broker(session_redis, "M1ENV_TEST_REDIS_URL")


class RedisServer:
    """A ``redis-server`` of one test's own on a free loopback port, keeping nothing on disk
    (so a restart loses every message, as a production Redis without persistence does)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        if shutil.which("redis-server") is None:
            pytest.fail("redis-server is not installed (apt-get install redis-server)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = open(self.workdir / "redis.log", "ab")  # noqa: SIM115  (the child holds it)
        with log:
            self.proc = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--dir", str(self.workdir)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited: {self.log()}")
            if self.ping():
                return self
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on port {self.port}: {self.log()}")

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def log(self) -> str:
        return (self.workdir / "redis.log").read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        """SIGKILL this server (only this one): what a crash does; nothing is saved."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test's own (see :class:`RedisServer`), stopped at the end."""
    server = RedisServer(tmp_path / "redis").start()
    try:
        yield server
    finally:
        server.stop()


class Worker:
    """One ``m1env worker`` process group."""

    def __init__(
        self,
        db_url: str,
        broker_url: str,
        log: Path,
        env: dict[str, str] | None = None,
        **options: object,
    ) -> None:
        self.log_path = log
        args = [sys.executable, "-m", "m1env.cli", "worker", "--loglevel", "INFO"]
        args += ["--database-url", db_url, "--broker-url", broker_url]
        args += ["--import", "tests.service.helpers"]
        for key, value in options.items():
            if value is True:
                args.append(f"--{key.replace('_', '-')}")
            else:
                args += [f"--{key.replace('_', '-')}", str(value)]
        # One Celery node per queue (m1env worker's default), each says " ready." once.
        queues = str(options.get("queues", "verify,sandbox,judge")).split(",")
        self.nodes = 1 if options.get("shared_pool") else len(queues)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "M1ENV_VERIFY_WORKERS": "1",
            **(env or {}),
        }
        self.log = open(log, "ab")  # noqa: SIM115  (closed in stop)
        self.proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60) -> Worker:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.log_path.read_bytes().count(b" ready.") >= self.nodes:
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited: {self.log_path.read_text()[-2000:]}")
            time.sleep(0.1)
        raise RuntimeError(f"worker not ready: {self.log_path.read_text()[-2000:]}")

    def children(self, pid: int | None = None) -> list[int]:
        pid = self.proc.pid if pid is None else pid
        path = Path(f"/proc/{pid}/task/{pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def pool_processes(self) -> list[int]:
        """The prefork pool processes: the main process's children, or, with a node per
        queue, its nodes' children."""
        if self.nodes == 1:
            return self.children()
        return [pid for node in self.children() for pid in self.children(node)]

    def kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                self.kill_group()
        else:
            # The main process is gone; its orphaned pool processes may not be.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


def start_worker(
    workers: list[Worker],
    db_url: str,
    broker_url: str,
    tmp_path: Path,
    env: dict[str, str] | None = None,
    **options: object,
) -> Worker:
    log = tmp_path / f"worker{len(workers)}.log"
    worker = Worker(db_url, broker_url, log, env, **options)
    workers.append(worker)
    return worker.wait_ready()
