"""Which Celery queue a verifier's jobs go to: a table lookup, longest prefix wins.

``verify`` takes the CPU-light rule-based verifiers (maths, logic, exact);
``sandbox`` those that execute code (they hold sandbox slots for seconds);
``judge`` the generative reward model (it waits on a remote model server). Keeping
them apart stops a burst of slow code tests from starving maths scoring. Plugins add
rows with :func:`set_route`.
"""

from __future__ import annotations

import threading

__all__ = ["DEFAULT_QUEUE", "MAX_CHUNK", "QUEUES", "queue_for", "routes", "set_route"]

QUEUES: tuple[str, ...] = ("verify", "sandbox", "judge")
DEFAULT_QUEUE = "verify"
#: The most jobs one message of a queue carries, below ``QueueConfig.chunk_size``: code
#: and judge jobs take seconds each, so a bigger chunk saves nothing and keeps its jobs
#: from workers that are free.
MAX_CHUNK: dict[str, int] = {"sandbox": 4, "judge": 4}

# Keys are verifier names or name prefixes ending in "/".
_ROUTES: dict[str, str] = {
    "code": "sandbox",
    "code/": "sandbox",
    "swe": "sandbox",
    "swe/": "sandbox",
    "judge": "judge",
    "judge/": "judge",
    "grm": "judge",
    "grm/": "judge",
}
_lock = threading.Lock()


def set_route(name_or_prefix: str, queue: str) -> None:
    """Send verifier ``name_or_prefix`` (a prefix if it ends with '/') to ``queue``."""
    if queue not in QUEUES:
        raise ValueError(f"queue must be one of {QUEUES}, got {queue!r}")
    if not name_or_prefix:
        raise ValueError("a route needs a verifier name or prefix")
    with _lock:
        _ROUTES[name_or_prefix] = queue


def routes() -> dict[str, str]:
    with _lock:
        return dict(_ROUTES)


def queue_for(verifier: str) -> str:
    """The queue for ``verifier``: exact name, else the longest matching prefix."""
    with _lock:
        if verifier in _ROUTES:
            return _ROUTES[verifier]
        best = ""
        for key in _ROUTES:
            if key.endswith("/") and verifier.startswith(key) and len(key) > len(best):
                best = key
        return _ROUTES[best] if best else DEFAULT_QUEUE
