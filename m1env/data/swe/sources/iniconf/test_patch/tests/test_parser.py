import pytest

from iniconf import ParseError, parse


def test_sections_and_defaults():
    got = parse("top = 1\n[server]\nHost = example.org\nport: 8080\n")
    assert got == {"DEFAULT": {"top": "1"}, "server": {"host": "example.org", "port": "8080"}}


def test_full_line_comments_and_blank_lines():
    assert parse("; note\n# other\n\n[a]\nx = 1\n") == {"DEFAULT": {}, "a": {"x": "1"}}


def test_inline_comments():
    got = parse("[a]\nx = 1 ; one\ny = 2   # two\n")
    assert got["a"] == {"x": "1", "y": "2"}


def test_continuation_lines():
    got = parse("[a]\nitems = one\n  two\n  three\n")
    assert got["a"]["items"] == "one\ntwo\nthree"


@pytest.mark.parametrize(
    "text",
    ["[a]\nno separator here\n", "  indented = first\n", "[a]\n[a]\n"],
    ids=["no-separator", "leading-continuation", "duplicate-section"],
)
def test_errors(text):
    with pytest.raises(ParseError):
        parse(text)


def test_comment_characters_inside_values_are_kept():
    got = parse(
        "[a]\n"
        "url = https://example.org/docs#install\n"
        "password = s3cr;et#1\n"
        "color = #ff8800\n"
        "mirrors = https://a.example/#x\n"
        "  https://b.example/#y ; fallback\n"
    )
    assert got["a"] == {
        "url": "https://example.org/docs#install",
        "password": "s3cr;et#1",
        "color": "#ff8800",
        "mirrors": "https://a.example/#x\nhttps://b.example/#y",
    }


def test_inline_comment_after_a_url():
    got = parse("[a]\nhome = http://h/#top  ; the landing page\n")
    assert got["a"]["home"] == "http://h/#top"
