"""Exceptions raised by :mod:`verifiers.swe`.

The hierarchy::

    SWEError                       (a VerifierError)
    ├── InstanceFormatError        (also ValueError: a malformed instance or prediction)
    └── PatchError                 (a patch is malformed or does not apply)

The ``swe`` verifier never raises these for a bad response: a patch that does not
apply is an ``incorrect`` Score, a malformed reference an ``error`` Score.
"""

from __future__ import annotations

from verifiers.errors import VerifierError

__all__ = ["InstanceFormatError", "PatchError", "SWEError"]


class SWEError(VerifierError):
    """Base class of every exception raised by :mod:`verifiers.swe`."""


class InstanceFormatError(SWEError, ValueError):
    """An instance, prediction or task file is malformed."""


class PatchError(SWEError):
    """A patch is malformed, unsafe or does not apply."""
