"""Exceptions raised by :mod:`grm`.

The hierarchy::

    GRMError
    ├── JudgeError                  (the judge could not produce a verdict)
    │   ├── JudgeHTTPError          (a non-2xx answer after retries; keeps status and body)
    │   ├── JudgeTimeout            (also TimeoutError)
    │   └── VerdictParseError       (also ValueError; keeps the raw text)
    └── TemplateError               (also ValueError: unknown template or missing field)

``Judge.score`` turns these into ``Score(status="error")`` with the reason and the raw
text; they are raised only by the lower-level calls.
"""

from __future__ import annotations

__all__ = [
    "GRMError",
    "JudgeError",
    "JudgeHTTPError",
    "JudgeTimeout",
    "TemplateError",
    "VerdictParseError",
]


class GRMError(Exception):
    """Base class of every exception raised by :mod:`grm`."""


class JudgeError(GRMError):
    """The judge model could not produce a verdict."""


class JudgeHTTPError(JudgeError):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"judge server answered HTTP {status}: {body[:300]}")
        self.status = status
        self.body = body


class JudgeTimeout(JudgeError, TimeoutError):
    """The judge server did not answer within the timeout (after retries)."""


class VerdictParseError(JudgeError, ValueError):
    def __init__(self, message: str, raw: str) -> None:
        super().__init__(message)
        self.raw = raw


class TemplateError(GRMError, ValueError):
    """A prompt template is unknown or was rendered without a required field."""
