"""Splitting text into words."""

import re

NBSP = "\u00a0"
# ASCII whitespace only: str.split() would also split on NBSP and other Unicode spaces.
_SEPARATORS = re.compile(r"[ \t\n\r\f\v]+")


def split_words(text):
    """The words of ``text``.

    Words are separated by runs of ASCII whitespace (spaces, tabs, newlines, carriage
    returns). A non-breaking space (U+00A0) is not a separator: ``"10\\u00a0kg"`` is one
    word, so a line is never broken between a number and its unit.
    """
    return [word for word in _SEPARATORS.split(text) if word]
