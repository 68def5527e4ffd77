"""Column types that behave the same on SQLite and PostgreSQL.

* :data:`JSONType` -- ``JSON`` on SQLite (stored as text), ``JSONB`` on PostgreSQL.
* :class:`UTCDateTime` -- timezone-aware UTC in, timezone-aware UTC out. SQLite has no
  time zones, so values are normalised to UTC before writing and tagged UTC on reading.
* :data:`BigId` -- 64-bit integer primary keys; plain ``INTEGER`` on SQLite, where only
  ``INTEGER PRIMARY KEY`` is an auto-incrementing rowid.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Dialect, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

__all__ = ["BigId", "JSONType", "UTCDateTime", "utcnow"]

JSONType = JSON().with_variant(JSONB(), "postgresql")
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A ``DateTime(timezone=True)`` that always hands back aware UTC datetimes."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous: pass an aware datetime (UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
