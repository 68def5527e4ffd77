"""Finding the final answer in a response.

Shared by the math and logic verifiers. Scanning is linear and bounded: a hostile
response (megabytes of braces) costs O(n), never backtracking.
"""

from __future__ import annotations

import re

__all__ = ["last_boxed", "last_tag", "tag_contents"]


def tag_contents(text: str, tag: str = "answer") -> list[str]:
    """The contents of every complete ``<tag>...</tag>`` pair, in order."""
    pattern = re.compile(rf"<{re.escape(tag)}>(.*?)</{re.escape(tag)}>", re.DOTALL | re.IGNORECASE)
    return [m.group(1) for m in pattern.finditer(text)]


def last_tag(text: str, tag: str = "answer") -> str | None:
    """The stripped contents of the last ``<tag>...</tag>``, or None."""
    found = tag_contents(text, tag)
    return found[-1].strip() if found else None


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
