"""Which verifier scores a dataset: a lookup table from verl-style ``data_source``.

Rows are exact names or prefixes ending in ``*``; the longest match wins, and a
``data_source`` that is itself a verifier name (``math``, ``logic/sudoku``) maps to
that verifier. Add rows with :func:`register_data_source`; nothing here is an
``if data_source == ...`` chain, so plugins extend it without editing code.
"""

from __future__ import annotations

import threading

from m1env.errors import UnknownDataSource
from m1env.verifiers import verifier_names

__all__ = ["DATA_SOURCES", "UnknownDataSource", "register_data_source", "verifier_for"]


# The data sources verl's default_compute_score knows, and common maths/code sets.
DATA_SOURCES: dict[str, str] = {
    "openai/gsm8k": "math",
    "gsm8k": "math",
    "lighteval/MATH": "math",
    "DigitalLearningGmbH/MATH-lighteval": "math",
    "HuggingFaceH4/MATH-500": "math",
    "math_dapo": "math",
    "math": "math",
    "aime*": "math",
    "AI-MO/*": "math",
    "numina_*": "math",
    "deepscaler*": "math",
    "codecontests": "code",
    "apps": "code",
    "codeforces": "code",
    "taco": "code",
    "primeintellect": "code",
    "livecodebench*": "code",
    "m1env/Math*": "math",
    "m1env/Countdown*": "logic/countdown",
}
_lock = threading.Lock()


def register_data_source(pattern: str, verifier: str, *, replace: bool = False) -> None:
    """Map ``pattern`` (exact, or a prefix ending in ``*``) to ``verifier``."""
    if not pattern or not verifier:
        raise ValueError("a data source row needs a pattern and a verifier name")
    with _lock:
        if pattern in DATA_SOURCES and DATA_SOURCES[pattern] != verifier and not replace:
            raise ValueError(
                f"data source {pattern!r} already maps to {DATA_SOURCES[pattern]!r}; "
                "pass replace=True"
            )
        DATA_SOURCES[pattern] = verifier


def verifier_for(data_source: str) -> str:
    """The verifier name for ``data_source`` (see the module docstring)."""
    with _lock:
        if data_source in DATA_SOURCES:
            return DATA_SOURCES[data_source]
        best = ""
        for pattern in DATA_SOURCES:
            if (
                pattern.endswith("*")
                and data_source.startswith(pattern[:-1])
                and len(pattern) > len(best)
            ):
                best = pattern
        if best:
            return DATA_SOURCES[best]
    if data_source in verifier_names():
        return data_source
    raise UnknownDataSource(
        f"no verifier for data_source {data_source!r}; add one with "
        "m1env.adapters.register_data_source(pattern, verifier)"
    )
