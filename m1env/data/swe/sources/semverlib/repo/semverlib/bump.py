"""Next versions."""

from semverlib.version import Version, parse


def bump(version, part):
    """``bump("1.2.3", "minor")`` is ``1.3.0``; a pre-release bumps to its release first."""
    v = parse(version)
    if part == "major":
        if v.prerelease and v.minor == v.patch == 0:
            return Version(v.major, 0, 0)
        return Version(v.major + 1, 0, 0)
    if part == "minor":
        if v.prerelease and v.patch == 0:
            return Version(v.major, v.minor, 0)
        return Version(v.major, v.minor + 1, 0)
    if part == "patch":
        if v.prerelease:
            return Version(v.major, v.minor, v.patch)
        return Version(v.major, v.minor, v.patch + 1)
    raise ValueError(f"part must be major, minor or patch, not {part!r}")
