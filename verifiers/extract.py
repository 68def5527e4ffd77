"""Finding the final answer in a response.

Shared by the math and logic verifiers. Scanning is linear and bounded: a hostile
response (megabytes of braces) costs O(n), never backtracking.
"""

from __future__ import annotations

import re

__all__ = ["last_boxed", "last_tag", "tag_contents"]


def tag_contents(text: str, tag: str = "answer") -> list[str]:
    """The contents of every complete ``<tag>...</tag>`` pair, in order (case-insensitive)."""
    lower, open_, close = text.lower(), f"<{tag.lower()}>", f"</{tag.lower()}>"
    found: list[str] = []
    pos = 0
    while True:
        start = lower.find(open_, pos)
        if start < 0:
            return found
        end = lower.find(close, start + len(open_))
        if end < 0:
            return found
        found.append(text[start + len(open_) : end])
        pos = end + len(close)


def last_tag(text: str, tag: str = "answer") -> str | None:
    """The stripped contents of the last complete ``<tag>...</tag>``, or None.

    Found from the end with ``rfind`` so a response full of unclosed tags costs O(n).
    """
    lower, open_, close = text.lower(), f"<{tag.lower()}>", f"</{tag.lower()}>"
    end = lower.rfind(close)
    if end < 0:
        return None
    start = lower.rfind(open_, 0, end)
    if start < 0:
        return None
    return text[start + len(open_) : end].strip()


def last_boxed(text: str) -> str | None:
    """The argument of the last ``\\boxed{...}`` (or ``\\fbox{...}``), braces balanced.

    Returns None when there is none or its braces never close.
    """
    best: str | None = None
    for match in re.finditer(r"\\(?:boxed|fbox)\s*\{", text):
        depth, start = 1, match.end()
        for i in range(start, len(text)):
            ch = text[i]
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    best = text[start:i]
                    break
    return best
