from textkit import strip_accents


def test_accents():
    assert strip_accents("café crème") == "cafe creme"
