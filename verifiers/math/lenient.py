"""Extraction presets: ``strict`` (markers and phrases only) and ``lenient`` (issue 18).

``lenient`` reads the answer formats models actually produce, each step chosen so that
no wrong answer gains a reward:

- **chat-template tokens** (``<|im_start|>``, ``<|im_end|>``, ``<|endoftext|>``,
  ``<|eot_id|>``, ``</s>``): the response is cut at the first one after its text, so a
  hallucinated next turn is never searched for an answer;
- **math at the end** (strategy ``end_math``, after "the answer is" and before
  ``whole``): the ``$...$``, ``$$...$$``, ``\\(...\\)``, ``\\[...\\]`` spans of the
  last line, when the last span ends the response; every span of that line is an
  answer, so ``$3$ or $4$`` is a hedge the verifier refuses; a line with a computation
  (``$8 + 4 = 12$``, a truncated solution's last step) has no answer, ``$x = 3$`` has;
- **number formats**: MATH's ``16,\\!386`` and digit groups split by spaces or thin
  spaces (``1 234 567``) when every group after the first has exactly 3 digits. A
  *decimal comma* is read only when the whole answer is one ``d,d`` number whose
  fraction part cannot be a list item or a thousands group: 4 or more digits, or a
  leading zero (``3,14159``, ``1,05``); ``3,5`` and ``0,5`` may be lists and stay lists;
- **labels**: ``x=3``, ``AB=4, CD=5``, ``V_1:V_2=11:21`` on either side compare by
  their values; when both sides are labelled the labels must be the same and values
  pair by label (``AB=5, CD=4`` is not ``AB=4, CD=5``);
- **unit words**: a trailing ``\\text{...}`` is dropped when only one side states it,
  and must be the same words when both do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

__all__ = [
    "PRESETS",
    "ExtractConfig",
    "cut_chat_template",
    "end_math",
    "number_formats",
    "split_labels",
    "split_top_level",
    "unit_words",
]


@dataclass(frozen=True, slots=True)
class ExtractConfig:
    """What the verifier reads beyond the markers; see the module docstring."""

    end_math: bool = False
    cut_chat_tokens: bool = False
    number_formats: bool = False
    labels: bool = False

    def __post_init__(self) -> None:
        for f in fields(self):
            if not isinstance(getattr(self, f.name), bool):
                raise ValueError(f"ExtractConfig.{f.name} must be true or false")


PRESETS: dict[str, ExtractConfig] = {
    "strict": ExtractConfig(),
    "lenient": ExtractConfig(end_math=True, cut_chat_tokens=True, number_formats=True, labels=True),
}

# -- chat-template tokens ----------------------------------------------------------

_CHAT_TOKEN = re.compile(r"<\|(?:im_start|im_end|endoftext|eot_id|end)\|>|</s>")
_LEADING_HEADER = re.compile(r"\s*(?:<s>)?\s*(?:<\|im_start\|>\s*assistant\b)?")


def cut_chat_template(text: str) -> str:
    """The text before the first template token that follows it (a leading header is kept)."""
    if "<|" not in text and "</s>" not in text:
        return text
    start = _LEADING_HEADER.match(text)
    at = start.end() if start else 0
    m = _CHAT_TOKEN.search(text, at)
    return text if m is None else text[: m.start()]


# -- math at the end ---------------------------------------------------------------

_MATH_SPAN = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
_TRAILER = re.compile(r"[\s.,;:!*]*")
_TAIL_CHARS = 2000  # an answer concludes the response: only its end is scanned


def end_math(text: str) -> list[str]:
    """Every math span of the response's last line, when the last span ends the response.

    A display block (``\\[ ... \\]`` over several lines) counts as one line.
    """
    tail = text[-_TAIL_CHARS:]
    spans = list(_MATH_SPAN.finditer(tail))
    if not spans or _TRAILER.fullmatch(tail, spans[-1].end()) is None:
        return []
    last = spans[-1]
    line_start = tail.rfind("\n", 0, last.start()) + 1
    found = []
    for m in spans:
        if m.start() >= line_start or m is last:
            body = next(g for g in m.groups() if g is not None).strip()
            # A computation (``8 + 4 = 12``) is a step of the work, not a stated answer: a
            # truncated solution ends with one.
            if "=" in body and split_labels(body) is None:
                return []
            if body:
                found.append(body)
    return found


# -- number formats ----------------------------------------------------------------

_MATH_THOUSANDS = re.compile(r"(?<=\d),\\!(?=\d{3}(?!\d))")
# Groups split by a space, a thin space (U+2009), a narrow no-break space (U+202F) or
# a no-break space: the first group 1-3 digits, the others exactly 3.
_SPACED_GROUPS = re.compile(r"(?<![\d.,])\d{1,3}(?:[ \u00a0\u2009\u202f]\d{3})+(?!\d)")
_DECIMAL_COMMA = re.compile(r"\s*(-?\d+),(\d+)\s*")


def number_formats(text: str) -> str:
    """``16,\\!386`` -> ``16,386``; ``1 234 567`` -> ``1234567`` (see the module docstring)."""
    text = _MATH_THOUSANDS.sub(",", text)
    text = _SPACED_GROUPS.sub(lambda m: re.sub(r"\D", "", m.group()), text)
    m = _DECIMAL_COMMA.fullmatch(text)
    if m and (len(m.group(2)) >= 4 or (m.group(2).startswith("0") and len(m.group(2)) != 3)):
        return f"{m.group(1)}.{m.group(2)}"
    return text


# -- labels and unit words ---------------------------------------------------------

# One reading per name (a subscript is one character or braced): no backtracking.
_NAME = r"[A-Za-z](?:[A-Za-z0-9']|_(?:\{[A-Za-z0-9]+\}|[A-Za-z0-9]))*"
_LABEL = re.compile(rf"\s*((?:m?\\angle\s*)?{_NAME}(?:\s*:\s*{_NAME})*)\s*=([^=<>]+)")
_OPEN, _CLOSE = "([{", ")]}"


def split_top_level(text: str) -> list[str]:
    """``text`` split at the commas outside every bracket."""
    parts: list[str] = []
    depth = start = 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def split_labels(text: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(labels, values) when every top-level part is ``name = value``; else None."""
    labels: list[str] = []
    values: list[str] = []
    for part in split_top_level(text):
        m = _LABEL.fullmatch(part)
        if m is None:
            return None
        labels.append(re.sub(r"[\s{}]", "", m.group(1)))
        values.append(m.group(2).strip())
    return tuple(labels), tuple(values)


_UNIT_WORDS = re.compile(
    r"(.*?\S)\s*\\(?:text|mbox|mathrm)\s*\{\s*([A-Za-z][A-Za-z\s.]*)\}(\^\d)?\s*"
)


def unit_words(text: str) -> tuple[str, str] | None:
    """(value, words) when the answer ends with a ``\\text{...}`` of words; else None."""
    m = _UNIT_WORDS.fullmatch(text)
    if m is None:
        return None
    return m.group(1), " ".join(m.group(2).split()).casefold() + (m.group(3) or "")
