"""Small I/O helpers shared by the commands: files or '-', JSON lines, progress."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

__all__ = ["Progress", "open_input", "open_output", "write_jsonl"]


@contextmanager
def open_input(path: str) -> Iterator[IO[bytes]]:
    """Binary input so that invalid UTF-8 is reported per line instead of aborting."""
    if path == "-":
        yield sys.stdin.buffer
    else:
        with open(path, "rb") as handle:
            yield handle


@contextmanager
def open_output(path: str) -> Iterator[IO[str]]:
    if path == "-":
        yield sys.stdout
        sys.stdout.flush()
    else:
        with open(path, "w", encoding="utf-8") as handle:
            yield handle


def write_jsonl(out: IO[str], record: dict[str, Any]) -> None:
    out.write(json.dumps(record, ensure_ascii=False) + "\n")


class Progress:
    """A one-line progress counter on stderr, only when stderr is a terminal or the
    input is long (so piping small jobs stays quiet)."""

    def __init__(self, label: str, total: int | None = None, *, every: float = 1.0) -> None:
        self.label, self.total, self.every = label, total, every
        self.done = 0
        self.start = self.last = time.monotonic()
        self.shown = False

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            self.shown = True
            rate = self.done / max(now - self.start, 1e-9)
            total = f"/{self.total}" if self.total else ""
            print(f"\r{self.label}: {self.done}{total} ({rate:.1f}/s)", end="", file=sys.stderr)

    def close(self) -> None:
        if self.shown:
            elapsed = time.monotonic() - self.start
            print(f"\r{self.label}: {self.done} in {elapsed:.1f}s" + " " * 10, file=sys.stderr)
