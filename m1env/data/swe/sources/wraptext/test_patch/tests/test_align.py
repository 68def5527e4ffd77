import pytest

from wraptext import center, justify


def test_center():
    assert center("ab", 7) == "  ab   "


def test_justify():
    assert justify("a bb ccc", 13) == "a    bb   ccc"
    assert justify("lonely", 8) == "lonely  "


def test_too_long():
    with pytest.raises(ValueError):
        center("abcdef", 3)


def test_justify_treats_tabs_as_gaps():
    assert justify("a\tbb ccc", 13) == "a    bb   ccc"
