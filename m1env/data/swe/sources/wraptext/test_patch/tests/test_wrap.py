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


def test_newlines_and_tabs_separate_words():
    text = "The quick\nbrown fox\tjumps over\r\nthe lazy dog"
    assert wrap(text, 15) == wrap(TEXT, 15)


def test_lines_from_a_hard_wrapped_source_fit():
    source = "Lorem ipsum dolor sit\namet, consectetur\nadipiscing elit."
    lines = wrap(source, 12)
    assert all(len(line) <= 12 and "\n" not in line for line in lines)
    assert " ".join(lines) == "Lorem ipsum dolor sit amet, consectetur adipiscing elit."


def test_fill_paragraphs_reflows_each_paragraph():
    text = "one two\nthree\n\n  four\tfive six  \n"
    assert fill_paragraphs(text, 9) == "one two\nthree\n\nfour five\nsix"
