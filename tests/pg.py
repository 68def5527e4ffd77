"""The PostgreSQL server the integration tests use, and throwaway schemas on it.

Each test session works in a schema of its own (set through ``search_path`` in the
URL) that is dropped afterwards, so concurrent runs on one server never meet.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from m1env.store import EpisodeStore

PG_URL = os.environ.get(
    "M1ENV_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def with_schema(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


@contextmanager
def migrated_schema(prefix: str) -> Iterator[str]:
    """The URL of a fresh schema holding the store's tables; dropped on exit."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        admin.dispose()
        pytest.fail(f"PostgreSQL at {PG_URL} is not usable (M1ENV_TEST_POSTGRES_URL): {exc}")
    url = with_schema(PG_URL, schema)
    try:
        EpisodeStore(url, migrate=True).close()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
