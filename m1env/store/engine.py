"""Where the database is and how to connect to it.

The URL is, in order: the ``url`` argument, ``$M1ENV_DATABASE_URL``, or the SQLite file
``$XDG_DATA_HOME/m1env/m1env.db`` (``~/.local/share/m1env/m1env.db`` when
``XDG_DATA_HOME`` is unset) -- one per user rather than one per working directory, so
``m1env train`` and ``m1env eval`` run from anywhere see the same episodes. Its
directory is created on first use.

SQLite connections run in WAL mode (readers do not block the writer) with a 30 s busy
timeout and foreign keys on. The driver's own transaction handling is switched off
and SQLAlchemy emits ``BEGIN`` itself: a plain ``BEGIN`` for reads and
``BEGIN IMMEDIATE`` for writes (see :func:`writer`), so a writer takes the lock at the
start of its transaction and waits for it (busy timeout) instead of failing with
"database is locked" when it upgrades a read lock halfway through. ``sqlite://``
(in memory) shares one connection and suits single-threaded tests only.

PostgreSQL (``postgresql+psycopg://...``) uses ``pool_pre_ping`` so connections
dropped by a server restart are replaced instead of failing the next query. To keep
the tables in a schema of their own, put it on the search path in the URL:
``...?options=-csearch_path%3Dm1env`` (the tests do this, one schema per run).

Fork safety: a child process (Celery's prefork pool, ``multiprocessing`` with fork)
drops the pooled connections it inherited, without closing them, and opens its own;
a socket or SQLite handle shared across processes would corrupt both sides.
"""

from __future__ import annotations

import functools
import json
import os
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from m1env import settings
from m1env.errors import StoreError

__all__ = ["ENV_VAR", "default_url", "make_engine", "redact", "resolve_url", "writer"]

ENV_VAR = settings.DATABASE_URL.name
BUSY_TIMEOUT_MS = 30_000


def default_url() -> str:
    base = settings.XDG_DATA_HOME.get() or str(Path.home() / ".local" / "share")
    return f"sqlite:///{Path(base) / 'm1env' / 'm1env.db'}"


def resolve_url(url: str | None = None) -> str:
    """The database URL the store uses for ``url`` (see the module docstring)."""
    return url or settings.DATABASE_URL.get() or default_url()


def redact(url: str) -> str:
    """``url`` with any password masked, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable database URL>"


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("m1env_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())


def make_engine(url: str | None = None, *, echo: bool = False) -> Engine:
    """An Engine for ``url`` configured as the module docstring says."""
    resolved = resolve_url(url)
    try:
        parsed = make_url(resolved)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL: {redact(resolved)!r} ({exc})") from exc
    backend = parsed.get_backend_name()
    kwargs: dict[str, Any] = {"echo": echo, "json_serializer": _dumps}
    if backend == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:"):
            kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
    elif backend == "postgresql":
        kwargs.update(pool_pre_ping=True, pool_size=5, max_overflow=10)
    else:
        raise StoreError(
            f"unsupported database {backend!r} in {redact(resolved)!r}: "
            "use sqlite:///PATH or postgresql+psycopg://..."
        )
    try:
        engine = create_engine(parsed, **kwargs)
    except (ArgumentError, ImportError) as exc:
        raise StoreError(f"cannot open {redact(resolved)!r}: {exc}") from exc
    if backend == "sqlite":
        _sqlite_events(engine)
    os.register_at_fork(after_in_child=functools.partial(_forget_pool, weakref.ref(engine)))
    return engine


def _forget_pool(ref: weakref.ref[Engine]) -> None:
    engine = ref()
    if engine is not None:
        engine.dispose(close=False)


def writer(engine: Engine) -> Engine:
    """``engine`` for write transactions: on SQLite they start with ``BEGIN IMMEDIATE``."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(m1env_begin="IMMEDIATE")
    return engine
