import pytest

from wraptext import NBSP, fill, fill_paragraphs, wrap

TEXT = "The quick brown fox jumps over the lazy dog"


def test_wrap_packs_greedily():
    assert wrap(TEXT, 15) == ["The quick brown", "fox jumps over", "the lazy dog"]


def test_every_line_fits():
    for width in range(3, 30):
        assert all(len(line) <= width for line in wrap(TEXT, width))


def test_long_words_are_cut():
    assert wrap("abcdefghij xy", 4) == ["abcd", "efgh", "ij", "xy"]


def test_repeated_spaces_collapse():
    assert wrap("a   b    c", 10) == ["a b c"]


def test_nbsp_keeps_number_and_unit_together():
    assert wrap(f"weight 10{NBSP}kg", 9) == ["weight", f"10{NBSP}kg"]


def test_fill():
    assert fill(TEXT, 20) == "The quick brown fox\njumps over the lazy\ndog"


def test_bad_width():
    with pytest.raises(ValueError):
        wrap(TEXT, 0)


def test_empty_text():
    assert wrap("", 10) == [] and wrap("   ", 10) == []
