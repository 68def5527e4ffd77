"""Judging outputs: text for stdin problems, JSON values for call-based ones.

Both comparisons are done by the verifier, outside the sandbox, on data the harness
produced: the program's own exit status or claims about itself never decide a test.

Text (:func:`compare_text`): line endings are normalised, trailing whitespace of every
line and trailing blank lines are ignored. If that is not enough, the outputs are
compared token by token (any whitespace separates), where an expected token that is
written as a real number (``0.5``, ``1e-9``) matches any number within
``float_tol`` absolute or relative; integer and word tokens must be equal.

Values (:func:`compare_values`): the call harness serialises the return value to JSON
inside the sandbox (so an object cannot lie through ``__eq__``); here the decoded value
must equal the expected one with strict types: ``true`` is not ``1``, a string is
not a number, lists match element-wise and objects key by key. Numbers compare by
value (``2`` equals ``2.0``); a float within ``float_tol`` of the expected number is
accepted.
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = ["compare_text", "compare_values"]

_REAL = re.compile(r"^[+-]?(?:\d+\.\d*|\.\d+|\d+(?:\.\d*)?[eE][+-]?\d+)$")
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def _lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _close(a: float, b: float, tol: float) -> bool:
    return math.isfinite(a) and abs(a - b) <= tol * max(1.0, abs(b))


def compare_text(actual: str, expected: str, float_tol: float = 1e-6) -> tuple[bool, str]:
    """Whether ``actual`` output matches ``expected``, and a note on the first difference."""
    if _lines(actual) == _lines(expected):
        return True, ""
    got, want = actual.split(), expected.split()
    for n, (g, w) in enumerate(zip(got, want, strict=False)):
        if g == w:
            continue
        if (
            float_tol > 0
            and _REAL.match(w)
            and _NUMBER.match(g)
            and _close(float(g), float(w), float_tol)
        ):
            continue
        return False, f"token {n + 1}: expected {w[:40]!r}, got {g[:40]!r}"
    if len(got) != len(want):
        return False, f"expected {len(want)} tokens, got {len(got)}"
    return True, ""


def _equal(a: Any, b: Any, tol: float) -> bool:
    if isinstance(b, bool) or isinstance(a, bool):
        return type(a) is type(b) and a == b
    if isinstance(b, int | float):
        if not isinstance(a, int | float):
            return False
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        return float(a) == float(b) or (tol > 0 and _close(float(a), float(b), tol))
    if isinstance(b, str) or b is None:
        return type(a) is type(b) and a == b
    if isinstance(b, list):
        return (
            isinstance(a, list)
            and len(a) == len(b)
            and all(_equal(x, y, tol) for x, y in zip(a, b, strict=True))
        )
    if isinstance(b, dict):
        return (
            isinstance(a, dict) and a.keys() == b.keys() and all(_equal(a[k], b[k], tol) for k in b)
        )
    return False


def compare_values(actual: Any, expected: Any, float_tol: float = 1e-6) -> tuple[bool, str]:
    """Whether a decoded return value matches the expected one (APPS one-element wrap allowed)."""
    if _equal(actual, expected, float_tol):
        return True, ""
    if isinstance(expected, list) and len(expected) == 1 and _equal(actual, expected[0], float_tol):
        return True, ""
    return False, f"expected {_short(expected)}, got {_short(actual)}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
