from textkit import slugify


def test_single_word():
    assert slugify("Python") == "python"


def test_punctuation_runs():
    result = slugify("Hello, World!")
    assert type(result) is str and result == "hello-world"


def test_custom_separator():
    assert slugify("a -- b", sep="_") == "a_b"


def test_accented():
    assert slugify("Crème") == "creme"
