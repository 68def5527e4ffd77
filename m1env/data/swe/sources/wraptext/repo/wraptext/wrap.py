"""Greedy word wrapping."""

import re

from wraptext.tokens import split_words


def wrap(text, width=70):
    """Lines of at most ``width`` characters, words packed greedily.

    A word longer than ``width`` is cut into ``width``-sized pieces.
    """
    if not isinstance(width, int) or width < 1:
        raise ValueError(f"width must be a positive int, got {width!r}")
    lines = []
    current = ""
    for word in split_words(text):
        while len(word) > width:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        if not word:
            continue
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def fill(text, width=70):
    return "\n".join(wrap(text, width))


def fill_paragraphs(text, width=70):
    """Each paragraph (separated by blank lines) filled on its own; one blank line between."""
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", text) if p.strip()]
    return "\n\n".join(fill(p, width) for p in paragraphs)
