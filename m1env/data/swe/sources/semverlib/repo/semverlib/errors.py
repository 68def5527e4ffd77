"""Exceptions of semverlib."""


class SemverError(ValueError):
    """Base class."""


class InvalidVersion(SemverError):
    """Not a semantic version string."""


class InvalidSpec(SemverError):
    """Not a range specification."""
