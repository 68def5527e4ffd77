"""Reading verdicts out of judge text.

Pointwise verdicts: ``<score>N</score>``, a JSON object with ``score``, or a final
``Score: N`` / ``N/10`` line; the last one found wins (judges reason before they
decide). Pairwise verdicts: ``<preference>A|B|tie</preference>`` or JSON with
``winner``/``preference``. Anything else raises :class:`VerdictParseError` carrying
the raw text, which the judge stores with the ``error`` Score.
"""

from __future__ import annotations

import json
import math
import re
from typing import Literal

from m1env.errors import VerdictParseError

__all__ = ["parse_preference", "parse_score"]

_NUMBER = r"(-?\d+(?:\.\d+)?)"
_SCORE_PATTERNS = [
    re.compile(rf"<score>\s*{_NUMBER}\s*(?:/\s*\d+)?\s*</score>", re.IGNORECASE),
    re.compile(rf"\bscore\b\s*[:=]\s*{_NUMBER}\s*(?:/\s*\d+)?", re.IGNORECASE),
    re.compile(rf"\b{_NUMBER}\s*/\s*10\b"),
]
_JSON_OBJECT = re.compile(r"\{[^{}]{0,2000}\}")
MAX_VERDICT_CHARS = 100_000


def _json_field(text: str, *keys: str) -> object | None:
    for match in reversed(list(_JSON_OBJECT.finditer(text))):
        try:
            data = json.loads(match.group(0))
        except ValueError:
            continue
        if isinstance(data, dict):
            for key in keys:
                if key in data:
                    return data[key]
    return None


def parse_score(text: str, *, scale: float = 10.0) -> float:
    """The verdict as a number in [0, 1] (the judge's 0..scale divided by scale)."""
    if len(text) > MAX_VERDICT_CHARS:
        raise VerdictParseError(f"verdict is longer than {MAX_VERDICT_CHARS} characters", text)
    value: object | None = _json_field(text, "score", "rating")
    if value is None:
        for pattern in _SCORE_PATTERNS:
            found = pattern.findall(text)
            if found:
                value = found[-1]
                break
    if value is None:
        raise VerdictParseError("no score found in the judge's verdict", text)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise VerdictParseError(f"score {value!r} is not a number", text) from None
    if not math.isfinite(number) or not 0 <= number <= scale:
        raise VerdictParseError(f"score {number:g} is outside 0..{scale:g}", text)
    return number / scale


Preference = Literal["A", "B", "tie"]
_PREFERENCE = re.compile(r"<preference>\s*(A|B|tie)\s*</preference>", re.IGNORECASE)


def parse_preference(text: str) -> Preference:
    if len(text) > MAX_VERDICT_CHARS:
        raise VerdictParseError(f"verdict is longer than {MAX_VERDICT_CHARS} characters", text)
    found = _PREFERENCE.findall(text)
    value = found[-1] if found else _json_field(text, "winner", "preference")
    if isinstance(value, str):
        normalized = value.strip().upper()
        if normalized in {"A", "B"}:
            return "A" if normalized == "A" else "B"
        if normalized == "TIE":
            return "tie"
    raise VerdictParseError("no preference (A, B or tie) found in the judge's verdict", text)
