import pytest

from argkit import ArgError, Parser


def make():
    p = Parser("tool")
    p.add_option("-o", "--output", help="where to write")
    p.add_option("-n", "--count", type=int, default=1)
    p.add_option("-v", "--verbose", action="count")
    p.add_option("-q", "--quiet", action="flag")
    p.add_option("-I", "--include", action="append")
    p.add_positional("source")
    return p


def test_defaults():
    assert make().parse(["a.txt"]) == {
        "output": None,
        "count": 1,
        "verbose": 0,
        "quiet": False,
        "include": [],
        "source": "a.txt",
    }


def test_long_forms():
    got = make().parse(["--output=x.bin", "--count", "3", "src"])
    assert got["output"] == "x.bin" and got["count"] == 3


def test_short_forms_and_clusters():
    got = make().parse(["-vvq", "-ofile", "-n", "7", "src"])
    assert (got["verbose"], got["quiet"], got["output"], got["count"]) == (2, True, "file", 7)


def test_append():
    got = make().parse(["-I", "a", "--include=b", "src"])
    assert got["include"] == ["a", "b"]


def test_double_dash():
    assert make().parse(["--", "-weird-name"])["source"] == "-weird-name"


@pytest.mark.parametrize(
    "argv",
    [[], ["a", "b"], ["--nope", "a"], ["-n", "x", "a"], ["a", "--count"], ["--quiet=1", "a"]],
)
def test_errors(argv):
    with pytest.raises(ArgError):
        make().parse(argv)


def test_option_declared_twice():
    p = Parser()
    p.add_option("-x")
    with pytest.raises(ValueError):
        p.add_option("-x", dest="other")
