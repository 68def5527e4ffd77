"""``exact``: the final answer must equal the reference as text.

The answer is taken from the last ``<answer>`` tags (or, failing that, the last
``\\boxed{}``); both sides are compared after Unicode NFKC normalisation, case
folding and whitespace collapsing. ``options``: ``case_sensitive`` (False).
For maths use the ``math`` verifier, which also knows equivalent forms.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from m1env.verifiers.base import Verifier
from m1env.verifiers.extract import last_boxed, last_tag
from m1env.verifiers.score import Score

__all__ = ["ExactVerifier", "normalize_text"]


def normalize_text(text: str, *, case_sensitive: bool = False) -> str:
    text = " ".join(unicodedata.normalize("NFKC", text).split())
    return text if case_sensitive else text.casefold()


class ExactVerifier(Verifier):
    name = "exact"
    description = "final answer in <answer> tags equals the reference text (normalised)"
    isolate = False  # linear-time string work: no worker round trip needed
    timeout = 5.0

    def validate_options(self, options: dict[str, Any]) -> dict[str, Any]:
        unknown = set(options) - {"case_sensitive"}
        if unknown:
            raise ValueError(f"exact verifier: unknown options {sorted(unknown)}")
        return options

    def check(self, response: str, reference: Any, *, case_sensitive: bool = False) -> Score:
        answer = last_tag(response)
        if answer is None:
            answer = last_boxed(response)
        if answer is None:
            return Score.incorrect("no final answer found (expected <answer>...</answer>)")
        if not isinstance(reference, str | int | float):
            return Score.error(
                f"reference must be text or a number, got {type(reference).__name__}"
            )
        if normalize_text(answer, case_sensitive=case_sensitive) == normalize_text(
            str(reference), case_sensitive=case_sensitive
        ):
            return Score.correct(extracted=answer[:200])
        return Score.incorrect(
            f"answer {answer[:80]!r} differs from the reference", extracted=answer[:200]
        )
