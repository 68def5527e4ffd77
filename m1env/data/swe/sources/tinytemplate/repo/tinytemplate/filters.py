"""Filters applied with ``{{ value|name }}``."""

from tinytemplate.errors import TemplateSyntaxError


def escape(value):
    """HTML-escape ``& < > " '``."""
    text = str(value)
    for old, new in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#39;")):
        text = text.replace(old, new)
    return text


FILTERS = {
    "upper": lambda v: str(v).upper(),
    "lower": lambda v: str(v).lower(),
    "title": lambda v: str(v).title(),
    "strip": lambda v: str(v).strip(),
    "length": len,
    "escape": escape,
}


def get_filter(name):
    try:
        return FILTERS[name]
    except KeyError:
        raise TemplateSyntaxError(f"unknown filter {name!r}") from None
