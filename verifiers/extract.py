"""Finding the final answer in a response.

Shared by the math and logic verifiers. Every scan is linear and bounded: a hostile
response (megabytes of braces, thousands of unclosed tags) costs O(n), never
backtracking or a rescan per opening marker.

- :func:`boxed_contents` / :func:`last_boxed`: ``\\boxed{...}`` and ``\\fbox{...}``
  with balanced braces (also ``\\boxed 5``, a single token without braces).
- :func:`tag_contents` / :func:`last_tag`: ``<answer>...</answer>`` (any tag name).
- :func:`gsm8k_answer`: the text after the last ``####`` on its line (GSM8K style).
- :func:`answer_is`: the phrase after the last "the answer is" / "final answer:".
"""

from __future__ import annotations

import re

__all__ = [
    "answer_is",
    "boxed_contents",
    "gsm8k_answer",
    "last_boxed",
    "last_tag",
    "tag_contents",
]

_BOXED = re.compile(r"\\(?:boxed|fbox)\s*(\{)?")
_BRACE = re.compile(r"[{}]")
_ANSWER_IS = re.compile(
    r"(?:final\s+answer|the\s+answer|answer)\s*(?:is\s*:?|:|=)\s*",
    re.IGNORECASE,
)
# A sentence ends at a full stop followed by a space or the end, or at a newline.
_SENTENCE_END = re.compile(r"\.\s|\.$|\n|$")


def _matching_braces(text: str) -> dict[int, int]:
    """Map each ``{`` offset to its matching ``}`` offset (unmatched ones are absent)."""
    stack: list[int] = []
    pairs: dict[int, int] = {}
    for m in _BRACE.finditer(text):
        if m.group() == "{":
            stack.append(m.start())
        elif stack:
            pairs[stack.pop()] = m.start()
    return pairs


def boxed_contents(text: str) -> list[str]:
    """The arguments of every complete ``\\boxed{...}`` / ``\\fbox{...}``, in order.

    A box whose braces never close is skipped. ``\\boxed 5`` (no braces) yields the
    next whitespace-delimited token.
    """
    if "\\boxed" not in text and "\\fbox" not in text:
        return []
    pairs: dict[int, int] | None = None
    found: list[str] = []
    for match in _BOXED.finditer(text):
        if match.group(1) is None:
            rest = text[match.end() : match.end() + 64].split(None, 1)
            token = rest[0].rstrip("$.,;") if rest else ""
            if token:
                found.append(token)
            continue
        if pairs is None:
            pairs = _matching_braces(text)
        open_at = match.end() - 1
        close_at = pairs.get(open_at)
        if close_at is not None:
            found.append(text[open_at + 1 : close_at])
    return found


def last_boxed(text: str) -> str | None:
    """The argument of the last complete ``\\boxed{...}`` (or ``\\fbox{...}``), or None."""
    found = boxed_contents(text)
    return found[-1] if found else None


def tag_contents(text: str, tag: str = "answer") -> list[str]:
    """The contents of every complete ``<tag>...</tag>`` pair, in order.

    Each closing tag pairs with the latest opening tag after the previous pair, so
    ``<answer>a<answer>b</answer>`` yields ``["b"]``.
    """
    opening = re.compile(rf"<{re.escape(tag)}\s*>", re.IGNORECASE)
    closing = re.compile(rf"</{re.escape(tag)}\s*>", re.IGNORECASE)
    opens = [(m.start(), m.end()) for m in opening.finditer(text)]
    if not opens:
        return []
    found: list[str] = []
    i = 0
    for close in closing.finditer(text):
        last_open: tuple[int, int] | None = None
        while i < len(opens) and opens[i][1] <= close.start():
            last_open = opens[i]
            i += 1
        if last_open is not None:
            found.append(text[last_open[1] : close.start()])
    return found


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


def gsm8k_answer(text: str) -> str | None:
    """The rest of the line after the last ``####`` (GSM8K's answer marker), or None."""
    at = text.rfind("####")
    if at < 0:
        return None
    line = text[at + 4 :].split("\n", 1)[0].strip()
    return line or None


def answer_is(text: str, *, max_chars: int = 300) -> str | None:
    """The phrase after the last "the answer is" / "final answer:", up to the sentence end.

    Only the last 20,000 characters are searched: the phrase concludes a response.
    """
    tail = text[-20000:]
    last = None
    for last in _ANSWER_IS.finditer(tail):  # noqa: B007 -- we want the last match
        pass
    if last is None:
        return None
    rest = tail[last.end() : last.end() + max_chars]
    end = _SENTENCE_END.search(rest)
    phrase = rest[: end.start() if end else len(rest)].strip()
    return phrase or None
