"""Exceptions raised by :mod:`verifiers.code`.

The hierarchy (all under :class:`verifiers.errors.VerifierError`)::

    CodeVerifierError
    ├── ReferenceFormatError   (also ValueError: the test data of a problem is malformed)
    └── CodeConfigError        (also ValueError: bad verifier options)

A bad *response* never raises: it is a Score with status ``incorrect``. A malformed
*reference* (trusted data) is a bug in the dataset: ``verify`` reports it as ``error``.
"""

from __future__ import annotations

from verifiers.errors import VerifierError

__all__ = ["CodeConfigError", "CodeVerifierError", "ReferenceFormatError"]


class CodeVerifierError(VerifierError):
    """Base class of the exceptions raised by :mod:`verifiers.code`."""


class ReferenceFormatError(CodeVerifierError, ValueError):
    """A reference (test cases, checker, limits) is not in a supported format."""


class CodeConfigError(CodeVerifierError, ValueError):
    """The code verifier was given options it does not accept."""
