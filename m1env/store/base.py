"""What every part of the store API shares: the engine, transactions, input checks.

Every public method runs in one transaction and either completes or changes nothing.
Database failures become :class:`StoreError` naming the operation and the (password-
masked) URL. Input is checked before it reaches the database, the same way on both
backends: identifiers (task ids, env ids, run ids, keys, names) must be non-empty
clean strings that fit their column -- a NUL or a lone surrogate in an identifier is
an error, since replacing it would silently merge two different keys; free text and
JSON follow :mod:`m1env.store.sanitize`; numbers must be finite and of the right type.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Self

from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from m1env.errors import StoreError
from m1env.store.engine import make_engine, redact, resolve_url, writer
from m1env.store.migrate import ensure_schema
from m1env.store.sanitize import Report, clean_json, clean_text

__all__ = ["DEFAULT_MAX_FIELD_BYTES", "StoreBase"]

DEFAULT_MAX_FIELD_BYTES = 32 * 1024 * 1024
_INT_RANGES = {"int32": (0, 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


class StoreBase:
    """Connection handling and validation; :class:`~m1env.store.EpisodeStore` is the API."""

    def __init__(
        self,
        url: str | None = None,
        *,
        migrate: bool | None = None,
        max_field_bytes: int = DEFAULT_MAX_FIELD_BYTES,
        echo: bool = False,
    ) -> None:
        if isinstance(max_field_bytes, bool) or not isinstance(max_field_bytes, int):
            raise StoreError("max_field_bytes must be an int")
        if max_field_bytes < 1024:
            raise StoreError(f"max_field_bytes must be at least 1024, got {max_field_bytes}")
        self.url = resolve_url(url)
        self.max_field_bytes = max_field_bytes
        self.engine: Engine = make_engine(self.url, echo=echo)
        try:
            self.revision = ensure_schema(self.engine, migrate)
        except BaseException:
            self.engine.dispose()
            raise
        # id -> JSON of the tasks this store has seen committed (see add_task).
        self._stored_tasks: dict[str, str] = {}
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(writer(self.engine), expire_on_commit=False)

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def ping(self) -> None:
        """One round trip to the database (for health checks); :class:`StoreError` if none."""
        with self._tx("ping", write=False) as session:
            session.execute(text("SELECT 1"))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({redact(self.url)!r})"

    @contextmanager
    def _tx(self, what: str, *, write: bool = True) -> Iterator[Session]:
        maker = self._writer if write else self._reader
        try:
            with maker.begin() as session:
                yield session
        except StoreError:
            raise
        except IntegrityError as exc:
            raise StoreError(f"{what}: rejected by the database: {exc.orig}") from exc
        except SQLAlchemyError as exc:
            raise StoreError(f"{what} failed on {redact(self.url)}: {exc}") from exc

    # -- input checks -----------------------------------------------------------------

    def _text(self, value: Any, path: str, report: Report, *, nullable: bool = False) -> Any:
        return clean_text(value, path, report, limit=self.max_field_bytes, nullable=nullable)

    def _json(self, value: Any, path: str, report: Report) -> Any:
        return clean_json(value, path, report, limit=self.max_field_bytes)


def ident(value: Any, name: str, *, max_chars: int = 255, nullable: bool = False) -> Any:
    """A clean identifier string (see the module docstring), or StoreError."""
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        raise StoreError(f"{name} must be a str, got {type(value).__name__}")
    if not value:
        raise StoreError(f"{name} must not be empty")
    if len(value) > max_chars:
        raise StoreError(f"{name} is {len(value)} characters, longer than {max_chars}")
    if "\x00" in value or any("\ud800" <= c <= "\udfff" for c in value):
        raise StoreError(f"{name} contains a NUL or a lone surrogate: {value!r}")
    return value


def integer(value: Any, name: str, *, kind: str = "int64", nullable: bool = True) -> Any:
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise StoreError(f"{name} must be an int, got {type(value).__name__}")
    low, high = _INT_RANGES[kind]
    if not low <= value <= high:
        raise StoreError(f"{name} must lie in [{low}, {high}], got {value}")
    return value


def number(value: Any, name: str, *, nullable: bool = True) -> Any:
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise StoreError(f"{name} must be a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise StoreError(f"{name} must be finite, got {value!r}")
    return float(value)
