"""Alembic, driven from code: the migrations ship inside the package.

:func:`upgrade`, :func:`downgrade`, :func:`current` and :func:`head` are what
``m1env db`` calls. :func:`ensure_schema` is what :class:`~m1env.store.EpisodeStore`
calls when it opens a database:

* a SQLite database with no tables at all (a new or empty file) is upgraded to
  ``head`` automatically, inside one ``BEGIN IMMEDIATE`` transaction, so several
  processes opening the same fresh file migrate it exactly once;
* any other database must already be at ``head``, else :class:`StoreError` says
  which revision it is at and to run ``m1env db upgrade`` -- production databases
  (PostgreSQL) and existing files are never migrated behind the operator's back,
  unless the caller asks for it with ``migrate=True``.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, inspect
from sqlalchemy.exc import SQLAlchemyError

from m1env.errors import StoreError
from m1env.store.engine import redact, writer

__all__ = ["config", "current", "downgrade", "ensure_schema", "head", "upgrade"]

SCRIPT_LOCATION = "m1env.store:migrations"


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    """The newest revision this version of m1env knows."""
    revision = ScriptDirectory.from_config(config()).get_current_head()
    assert revision is not None
    return revision


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def current(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    try:
        with engine.connect() as connection:
            return _current(connection)
    except SQLAlchemyError as exc:
        raise StoreError(
            f"cannot read the schema revision of {redact(str(engine.url))}: {exc}"
        ) from exc


def upgrade(engine: Engine, revision: str = "head") -> None:
    try:
        with writer(engine).begin() as connection:
            command.upgrade(config(connection), revision)
    except (SQLAlchemyError, CommandError) as exc:
        raise StoreError(
            f"upgrade of {redact(str(engine.url))} to {revision} failed: {exc}"
        ) from exc


def downgrade(engine: Engine, revision: str) -> None:
    try:
        with writer(engine).begin() as connection:
            command.downgrade(config(connection), revision)
    except (SQLAlchemyError, CommandError) as exc:
        raise StoreError(
            f"downgrade of {redact(str(engine.url))} to {revision} failed: {exc}"
        ) from exc


def ensure_schema(engine: Engine, migrate: bool | None = None) -> str:
    """Make sure the database is at :func:`head` (see the module docstring)."""
    target = head()
    try:
        with writer(engine).begin() as connection:
            found = _current(connection)
            fresh = engine.dialect.name == "sqlite" and not inspect(connection).get_table_names()
            if found != target and (migrate or (migrate is None and fresh)):
                command.upgrade(config(connection), "head")
                found = _current(connection)
    except SQLAlchemyError as exc:
        raise StoreError(
            f"cannot open the episode store at {redact(str(engine.url))}: {exc}"
        ) from exc
    if found != target:
        state = "has never been migrated" if found is None else f"is at revision {found}"
        raise StoreError(
            f"the episode store at {redact(str(engine.url))} {state}, this m1env needs "
            f"{target}: run `m1env db upgrade` (or EpisodeStore(migrate=True))"
        )
    return target
