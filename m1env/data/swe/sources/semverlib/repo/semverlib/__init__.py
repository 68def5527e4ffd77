"""Semantic Versioning 2.0.0: parsing, precedence, bumping and range specs."""

from semverlib.bump import bump
from semverlib.errors import InvalidSpec, InvalidVersion, SemverError
from semverlib.spec import Spec, max_satisfying
from semverlib.version import Version, parse

__all__ = [
    "InvalidSpec",
    "InvalidVersion",
    "SemverError",
    "Spec",
    "Version",
    "bump",
    "max_satisfying",
    "parse",
]
