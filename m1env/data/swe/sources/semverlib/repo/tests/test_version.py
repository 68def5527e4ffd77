import pytest

from semverlib import InvalidVersion, Version, bump, parse


def test_parse_roundtrip():
    v = parse("v1.2.3-rc.1+build.7")
    assert (v.major, v.minor, v.patch) == (1, 2, 3)
    assert v.prerelease == ("rc", "1") and v.build == ("build", "7")
    assert str(v) == "1.2.3-rc.1+build.7"


@pytest.mark.parametrize("text", ["1.2", "01.2.3", "1.2.3-", "1.2.3-01", "a.b.c"])
def test_invalid(text):
    with pytest.raises(InvalidVersion):
        parse(text)


def test_release_ordering():
    assert parse("1.10.0") > parse("1.9.9") > parse("1.9.0")


def test_prerelease_below_release():
    assert parse("1.0.0-alpha") < parse("1.0.0")
    assert parse("2.0.0-rc.1") > parse("1.9.9")


def test_build_metadata_is_ignored():
    assert parse("1.0.0+a") == parse("1.0.0+b")


def test_bump():
    assert bump("1.2.3", "minor") == Version(1, 3, 0)
    assert bump("1.2.3", "major") == Version(2, 0, 0)
    assert bump("2.0.0-rc.1", "major") == Version(2, 0, 0)
    assert str(bump("1.2.3-beta", "patch")) == "1.2.3"
