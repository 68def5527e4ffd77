"""Alembic environment of the episode store.

Run through :mod:`m1env.store.migrate` (or ``m1env db``), which hands over an open
connection in ``config.attributes["connection"]``; a plain ``alembic`` command line
with ``sqlalchemy.url`` set works too.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from m1env.store.engine import make_engine
from m1env.store.models import Base

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        compare_type=True,
        # SQLite cannot ALTER most things: later revisions alter tables in batch mode.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        engine = make_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as conn:
            _run(conn)
        engine.dispose()
