"""The Version type and its precedence rules (semver.org, section 11)."""

import re
from dataclasses import dataclass, field
from functools import total_ordering

from semverlib.errors import InvalidVersion

_NUM = r"0|[1-9]\d*"
_IDENT = r"[0-9A-Za-z-]+"
_VERSION = re.compile(
    rf"^v?(?P<major>{_NUM})\.(?P<minor>{_NUM})\.(?P<patch>{_NUM})"
    rf"(?:-(?P<pre>{_IDENT}(?:\.{_IDENT})*))?"
    rf"(?:\+(?P<build>{_IDENT}(?:\.{_IDENT})*))?$"
)


@total_ordering
@dataclass(frozen=True, eq=False)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: tuple = field(default=())
    build: tuple = field(default=())

    def __str__(self):
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        if self.build:
            text += "+" + ".".join(self.build)
        return text

    @property
    def is_prerelease(self):
        return bool(self.prerelease)

    def _key(self):
        # A release ranks above all of its pre-releases; build metadata is ignored.
        pre = (1,) if not self.prerelease else (0, tuple(self.prerelease))
        return (self.major, self.minor, self.patch, pre)

    def __eq__(self, other):
        if isinstance(other, str):
            other = parse(other)
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() == other._key()

    def __lt__(self, other):
        if isinstance(other, str):
            other = parse(other)
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()

    def __hash__(self):
        return hash(self._key())


def parse(text):
    """A Version from ``"1.2.3-rc.1+build.5"`` (a leading ``v`` is allowed)."""
    if isinstance(text, Version):
        return text
    m = _VERSION.match(text.strip())
    if not m:
        raise InvalidVersion(f"not a semantic version: {text!r}")
    pre = tuple(m["pre"].split(".")) if m["pre"] else ()
    for ident in pre:
        if ident.isdigit() and ident != "0" and ident.startswith("0"):
            raise InvalidVersion(f"{text!r}: numeric identifier with a leading zero")
    build = tuple(m["build"].split(".")) if m["build"] else ()
    return Version(int(m["major"]), int(m["minor"]), int(m["patch"]), pre, build)
