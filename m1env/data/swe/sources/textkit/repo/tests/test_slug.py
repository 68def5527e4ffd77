from textkit import slugify


def test_single_word():
    assert slugify("Python") == "python"


def test_accented():
    assert slugify("Crème") == "creme"
