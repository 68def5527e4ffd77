"""URL slugs: lower-case words joined by a separator."""

import re

from textkit.normalize import strip_accents


def slugify(text, sep="-"):
    """``"Hello, World!"`` -> ``"hello-world"``; runs of other characters become one sep."""
    text = strip_accents(text).lower()
    text = re.sub(r"[^a-z0-9]", sep, text)
    return text.strip(sep)
