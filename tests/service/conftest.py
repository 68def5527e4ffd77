"""Fixtures: the app on SQLite (always) and PostgreSQL (``-m postgres``), live servers.

PostgreSQL tests run in a schema of their own (dropped afterwards) on the server at
``$M1ENV_TEST_POSTGRES_URL``.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

import pytest
import uvicorn

with warnings.catch_warnings():
    # starlette's TestClient nags about httpx; it is the documented way to test ASGI apps.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from m1env.queue.config import QueueConfig
from m1env.service import ServiceConfig, create_app
from m1env.store import EpisodeStore
from tests.pg import BACKENDS, migrated_schema


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with migrated_schema("m1env_svc") as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied per test (migrating each one costs ~0.3 s)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    EpisodeStore(f"sqlite:///{path}", migrate=True).close()
    return path


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        target = tmp_path / "service.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url = str(request.getfixturevalue("pg_url"))
    from m1env.store.models import Base

    engine = create_engine(url)
    with engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


def make_client(db_url: str, **config: object) -> TestClient:
    # The queue's settings (broker_url=, chunk_size=, ...) go to ServiceConfig.queue.
    queue_fields = {f.name for f in fields(QueueConfig)}
    queue = QueueConfig(
        database_url=db_url, **{k: v for k, v in config.items() if k in queue_fields}
    )  # type: ignore[arg-type]
    settings: dict[str, object] = {"workers": 1, "queue": queue}
    settings.update({k: v for k, v in config.items() if k not in queue_fields})
    app = create_app(ServiceConfig(**settings))  # type: ignore[arg-type]
    # TestClient's own default Host, "testserver", is (rightly) not an allowed host.
    return TestClient(app, base_url="http://localhost", raise_server_exceptions=False)


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    with make_client(db_url) as c:
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """The app on a real uvicorn server on loopback, in a thread."""

    def __init__(self, config: ServiceConfig) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(create_app(config), port=self.port, log_level="error")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    config = ServiceConfig(
        workers=1, queue=QueueConfig(database_url=f"sqlite:///{tmp_path / 'live.db'}")
    )
    with LiveServer(config) as server:
        yield server
