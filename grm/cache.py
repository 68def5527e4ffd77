"""A verdict cache keyed by model, template (name and content hash) and inputs.

In memory (bounded LRU) by default; with ``path``, also in a SQLite file so verdicts
survive restarts and are shared by the processes of one machine. Only successful
verdicts are cached: an error is retried next time.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

__all__ = ["JudgeCache", "cache_key"]


def cache_key(model: str, template_key: str, inputs: dict[str, Any]) -> str:
    blob = json.dumps([model, template_key, inputs], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


class JudgeCache:
    def __init__(self, *, max_items: int = 100_000, path: str | Path | None = None) -> None:
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        self.max_items = max_items
        self.path = Path(path) if path else None
        self._memory: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.execute("CREATE TABLE IF NOT EXISTS verdicts (key TEXT PRIMARY KEY, value TEXT)")

    def _connect(self) -> sqlite3.Connection:
        assert self.path is not None
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                self.hits += 1
                return dict(self._memory[key])
        if self.path:
            with self._connect() as db:
                row = db.execute("SELECT value FROM verdicts WHERE key = ?", (key,)).fetchone()
            if row:
                value: dict[str, Any] = json.loads(row[0])
                self._remember(key, value)
                with self._lock:
                    self.hits += 1
                return dict(value)
        with self._lock:
            self.misses += 1
        return None

    def put(self, key: str, value: dict[str, Any]) -> None:
        self._remember(key, value)
        if self.path:
            with self._connect() as db:
                db.execute(
                    "INSERT OR REPLACE INTO verdicts (key, value) VALUES (?, ?)",
                    (key, json.dumps(value)),
                )

    def _remember(self, key: str, value: dict[str, Any]) -> None:
        with self._lock:
            self._memory[key] = dict(value)
            self._memory.move_to_end(key)
            while len(self._memory) > self.max_items:
                self._memory.popitem(last=False)
