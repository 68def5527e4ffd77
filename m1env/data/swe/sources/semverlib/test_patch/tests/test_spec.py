import pytest

from semverlib import InvalidSpec, Spec, max_satisfying


@pytest.mark.parametrize(
    ("spec", "yes", "no"),
    [
        (">=1.0,<2", "1.5.0", "2.0.0"),
        ("^1.2.3", "1.9.0", "2.0.0"),
        ("^0.2.3", "0.2.9", "0.3.0"),
        ("~1.4.0", "1.4.7", "1.5.0"),
        ("!=1.0.0", "1.0.1", "1.0.0"),
    ],
)
def test_match(spec, yes, no):
    s = Spec(spec)
    assert s.match(yes) and not s.match(no)


def test_max_satisfying():
    assert str(max_satisfying(["1.2.0", "1.10.0", "2.0.0", "1.9.5"], "^1.0")) == "1.10.0"
    assert max_satisfying(["3.0.0"], "<2") is None


def test_bad_spec():
    with pytest.raises(InvalidSpec):
        Spec(">=banana")


def test_max_satisfying_prereleases():
    candidates = ["1.0.0-rc.2", "1.0.0-rc.10", "1.0.0-rc.9"]
    assert str(max_satisfying(candidates, ">=1.0.0-rc.1")) == "1.0.0-rc.10"
