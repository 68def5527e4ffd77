"""Exceptions of :mod:`verifiers.math` (internal: the verifier turns them into Scores).

The hierarchy (all are also :class:`ValueError`)::

    MathError
    ├── BadReference        the (trusted) reference is unusable: an ``error`` Score
    ├── ParseError          the text is not an answer we can read
    │   └── TooComplex      refused on structure: too long, too deep, an exponent tower
    └── TooLarge            a value would exceed the size caps (digits, factorials)

``TooComplex`` and ``TooLarge`` are raised *before* any expensive work, so a LaTeX
bomb ends in microseconds with a reason instead of running into the time limit.
"""

from __future__ import annotations

__all__ = ["BadReference", "MathError", "ParseError", "TooComplex", "TooLarge"]


class MathError(ValueError):
    """Base class of the math verifier's internal errors."""


class BadReference(MathError):
    """The reference is empty, of the wrong type, beyond the size caps or unreadable."""


class ParseError(MathError):
    """The text could not be parsed as a mathematical answer."""


class TooComplex(ParseError):
    """The text was refused on its structure before evaluation."""


class TooLarge(MathError):
    """Evaluating the expression would create a number beyond the size caps."""
