"""Text clean-up before parsing, and the normal form of plain-text answers.

:func:`clean` rewrites the many spellings of one thing to one spelling, in linear
time: Unicode maths symbols to LaTeX, ``\\dfrac`` to ``\\frac``, sizing commands
(``\\left``, ``\\big``) and spacing commands away, ``\\text{...}`` to its words (a
known unit becomes a unit marker), degree signs to ``°``, thousands separators
(``1,000``, ``1{,}000``, ``1\\,000``) away. Every regex here is free of nested
quantifiers, so no input makes it backtrack.

:func:`text_key` is the comparison key of a plain-text answer: NFKC, case-folded,
punctuation dropped, a leading article dropped.
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction

__all__ = ["UNITS", "clean", "strip_outer", "text_key"]

# Unit spellings -> canonical name. Single letters only count inside \text{}/\mathrm{}.
UNITS: dict[str, str] = {}
for _canon, _names in {
    "mm": "mm millimeter millimeters millimetre millimetres",
    "cm": "cm centimeter centimeters centimetre centimetres",
    "m": "m meter meters metre metres",
    "km": "km kilometer kilometers kilometre kilometres",
    "in": "inch inches",
    "ft": "ft feet foot",
    "yd": "yd yard yards",
    "mi": "mi mile miles",
    "s": "s sec secs second seconds",
    "min": "min mins minute minutes",
    "h": "h hr hrs hour hours",
    "day": "day days",
    "week": "week weeks",
    "month": "month months",
    "year": "year years yr yrs",
    "g": "g gram grams",
    "kg": "kg kilogram kilograms",
    "lb": "lb lbs pound pounds",
    "oz": "oz ounce ounces",
    "l": "l liter liters litre litres",
    "ml": "ml milliliter milliliters millilitre millilitres",
    "dollar": "dollar dollars usd",
    "cent": "cent cents",
    "deg": "deg degree degrees",
    "rad": "rad radian radians",
    "unit": "unit units",
    "mph": "mph",
    "percent": "percent",
    "sq": "sq square",
    "cu": "cubic",
}.items():
    for _name in _names.split():
        UNITS[_name] = _canon
SINGLE_LETTER_UNITS = frozenset(n for n in UNITS if len(n) == 1)

_UNICODE = {
    "−": "-",
    "–": "-",
    "×": "\\times ",
    "·": "\\cdot ",
    "⋅": "\\cdot ",
    "÷": "\\div ",
    "√": "\\sqrt",
    "π": "\\pi ",
    "∞": "\\infty ",
    "≤": "\\le ",
    "≥": "\\ge ",
    "≠": "\\ne ",
    "∪": "\\cup ",
    "∩": "\\cap ",
    "±": "\\pm ",
    "∓": "\\mp ",
    "∈": "\\in ",
    "∅": "\\emptyset ",
    "²": "^2",
    "³": "^3",
    "¹": "^1",
    "⁰": "^0",
    "½": "(1/2)",
    "¼": "(1/4)",
    "¾": "(3/4)",
    "º": "°",
    "\u200b": "",
    "\x00": "",
}
_UNICODE_RE = re.compile("|".join(map(re.escape, _UNICODE)))
_DELIMS = re.compile(r"\$|\\\(|\\\)|\\\[|\\\]|\\displaystyle|\\textstyle")
_SIZING = re.compile(r"\\(?:left|right|[bB]igg?[lr]?|middle)(?![a-zA-Z])\s*\.?")
_THOUSANDS_LATEX = re.compile(r"(?<=\d)(?:\{,\}|\\[,!;: ]|\\thinspace )(?=\d{3}(?!\d))")
_SPACING = re.compile(r"\\\\|\\(?:[,;:! ]|quad|qquad|thinspace|enspace)|~")
_TEXT_CMD = re.compile(
    r"\\(?:text|textbf|textit|textrm|textnormal|textup|mathrm|mathbf|mathit|mathsf|"
    r"mathnormal|mbox|hbox|operatorname\*?)\s*\{([^{}]*)\}"
)
_REALS = re.compile(r"\\mathbb\s*\{?R\}?")
_DEGREE = re.compile(r"\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|\\circ|\\degree|\^\s*\{\s*°\s*\}|\^°")
_FRAC_ALIASES = re.compile(r"\\[dtc]frac(?![a-zA-Z])")
_TOP_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])")


_REPEATING = re.compile(r"(\d*)\.(\d*)\\overline\s*\{(\d{1,50})\}")


def _repeating(match: re.Match[str]) -> str:
    """``0.1\\overline{6}`` -> ``(1/6)``: a repeating decimal is an exact rational."""
    whole, fixed, cycle = match.group(1) or "0", match.group(2), match.group(3)
    value = Fraction(int(whole)) + (
        Fraction(int(fixed or "0")) + Fraction(int(cycle), 10 ** len(cycle) - 1)
    ) / 10 ** len(fixed)
    return f"({value.numerator}/{value.denominator})"


def _spacing(match: re.Match[str]) -> str:
    return match.group() if match.group() == "\\\\" else " "


def _text_cmd(match: re.Match[str]) -> str:
    words = match.group(1).strip()
    key = words.casefold().rstrip(".")
    if key in UNITS:
        return f" \\unit{{{UNITS[key]}}} "
    parts = _UNIT_SPLIT.split(key)
    if len(parts) > 1 and all(p in UNITS for p in parts if p):  # m/s, km/h, cm^2
        return f" \\unit{{{_UNIT_SPLIT.sub(lambda m: m.group().strip(), key).replace(' ', '')}}} "
    return f" {words} "


_UNIT_SPLIT = re.compile(r"\s*/\s*|\^\d|\s+per\s+")


def _drop_top_level_thousands(text: str) -> str:
    """``12,345`` -> ``12345`` where no bracket is open (inside one, commas separate)."""
    if "," not in text:
        return text
    out: list[str] = []
    last = 0
    for m in _TOP_THOUSANDS.finditer(text):
        before = text[: m.start()]
        depth = sum(before.count(c) for c in "([{") - sum(before.count(c) for c in ")]}")
        if depth == 0:
            out.append(text[last : m.start()])
            out.append(m.group().replace(",", ""))
            last = m.end()
    out.append(text[last:])
    return "".join(out)


def clean(text: str) -> str:
    """One spelling for each notation (see the module docstring)."""
    text = _UNICODE_RE.sub(lambda m: _UNICODE[m.group()], text)
    text = unicodedata.normalize("NFKC", text)
    text = _DELIMS.sub(" ", text)
    text = _SIZING.sub("", text)
    text = _THOUSANDS_LATEX.sub("", text)
    text = _SPACING.sub(_spacing, text)
    text = _FRAC_ALIASES.sub("\\\\frac", text)
    if "overline" in text:
        text = _REPEATING.sub(_repeating, text)
    text = _DEGREE.sub("°", text)
    if "mathbb" in text:
        text = _REALS.sub("(-\\\\infty,\\\\infty)", text)
    for _ in range(2):  # \text{\textbf{x}} nests at most this deep in practice
        text = _TEXT_CMD.sub(_text_cmd, text)
    text = text.replace("\\%", "%").replace("\\$", " ").replace("**", "^")
    text = _drop_top_level_thousands(text)
    return strip_outer(text)


def strip_outer(text: str) -> str:
    """Whitespace, a trailing full stop and a wrapping ``\\boxed{}`` removed."""
    text = text.strip().rstrip(".").strip()
    while text.startswith(("\\boxed{", "\\fbox{")) and text.endswith("}"):
        inner = text[text.index("{") + 1 : -1]
        if inner.count("{") != inner.count("}"):
            break
        text = inner.strip()
    return text


_PUNCT = re.compile(r"[^\w\s]")
_ARTICLE = re.compile(r"^(?:the|a|an)\s+")


def text_key(text: str) -> str:
    """Comparison key of a plain-text answer (``"The Moon."`` -> ``"moon"``)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _TEXT_CMD.sub(lambda m: f" {m.group(1)} ", text)
    text = _PUNCT.sub(" ", text.replace("\\", " "))
    text = " ".join(text.split())
    return _ARTICLE.sub("", text)
