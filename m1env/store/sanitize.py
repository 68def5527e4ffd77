"""The text policy: what the store does to strings that a database cannot hold.

PostgreSQL rejects the NUL character (U+0000) in ``text`` and in ``jsonb``; neither
SQLite's nor PostgreSQL's driver can encode a lone surrogate (U+D800..U+DFFF, which
Python strings may carry after ``surrogateescape`` decoding or ``json.loads`` of
``"\\ud800"``). So that both backends store exactly the same thing, every string
written -- text columns, and every key and string value inside JSON columns -- goes
through :func:`clean_text`: each NUL and each lone surrogate becomes U+FFFD
(REPLACEMENT CHARACTER) and nothing else changes. What was replaced is counted per
field in a :class:`Report` and stored in the row's ``sanitized`` column, e.g.
``{"response": {"nul": 2}, "details.trace[3]": {"surrogate": 1}}`` (NULL when
nothing was replaced), so a reader can tell a replaced character from a U+FFFD the
policy sent.

JSON columns hold JSON, the same on both backends: ``NaN`` and infinities (which
``jsonb`` rejects) are stored as the strings ``"NaN"``, ``"Infinity"`` and
``"-Infinity"`` and counted as ``nonfinite``; tuples become lists; non-string keys
become strings as :func:`json.dumps` would write them. Anything else that is not JSON
(bytes, sets, objects), nesting deeper than :data:`MAX_DEPTH`, or a field longer
than the store's byte limit raises :class:`~m1env.errors.StoreError` naming the
field -- it is never silently dropped or truncated.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from m1env.errors import StoreError

__all__ = ["MAX_DEPTH", "REPLACEMENT", "Report", "clean_json", "clean_text"]

REPLACEMENT = "\ufffd"
MAX_DEPTH = 200
_BAD = re.compile("[\x00\ud800-\udfff]")
_NONFINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}


class Report:
    """Counts of what :func:`clean_text` / :func:`clean_json` replaced, by field path."""

    def __init__(self) -> None:
        self.fields: dict[str, dict[str, int]] = {}

    def add(self, path: str, kind: str, count: int = 1) -> None:
        entry = self.fields.setdefault(path, {})
        entry[kind] = entry.get(kind, 0) + count

    def as_json(self) -> dict[str, dict[str, int]] | None:
        return {k: dict(v) for k, v in self.fields.items()} or None


def _utf8_len(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def clean_text(
    value: Any, path: str, report: Report, *, limit: int | None = None, nullable: bool = False
) -> str | None:
    """``value`` as a storable str (see the module docstring), or StoreError."""
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        raise StoreError(f"{path} must be a str, got {type(value).__name__}")
    if limit is not None and len(value) > limit // 4 and _utf8_len(value) > limit:
        raise StoreError(
            f"{path} is {_utf8_len(value):,} bytes of UTF-8, over the store's limit of "
            f"{limit:,} bytes (EpisodeStore(max_field_bytes=...))"
        )
    if value.isascii() and "\x00" not in value:
        return value
    nul = value.count("\x00")
    found = len(_BAD.findall(value))
    if not found:
        return value
    if nul:
        report.add(path, "nul", nul)
    if found - nul:
        report.add(path, "surrogate", found - nul)
    return _BAD.sub(REPLACEMENT, value)


def _key(key: Any, path: str, report: Report) -> str:
    if isinstance(key, str):
        return clean_text(key, f"{path} (key)", report) or ""
    if key is None or isinstance(key, bool):
        return {None: "null", True: "true", False: "false"}[key]
    if isinstance(key, int | float):
        return str(key) if isinstance(key, int) else repr(key)
    raise StoreError(f"{path}: JSON object keys must be strings, got {type(key).__name__}")


def _walk(value: Any, path: str, report: Report, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise StoreError(f"{path}: JSON nested deeper than {MAX_DEPTH} levels")
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return clean_text(value, path, report)
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        report.add(path, "nonfinite")
        return "NaN" if math.isnan(value) else _NONFINITE[value]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            key = _key(k, path, report)
            out[key] = _walk(v, f"{path}.{key}", report, depth + 1)
        return out
    if isinstance(value, list | tuple):
        return [_walk(v, f"{path}[{i}]", report, depth + 1) for i, v in enumerate(value)]
    raise StoreError(f"{path}: {type(value).__name__} is not JSON-serialisable")


def clean_json(value: Any, path: str, report: Report, *, limit: int | None = None) -> Any:
    """``value`` as storable JSON (see the module docstring), or StoreError."""
    cleaned = _walk(value, path, report, 0)
    if limit is not None and isinstance(cleaned, dict | list):
        size = len(json.dumps(cleaned, ensure_ascii=False).encode("utf-8"))
        if size > limit:
            raise StoreError(
                f"{path} is {size:,} bytes as JSON, over the store's limit of {limit:,} bytes"
            )
    return cleaned
