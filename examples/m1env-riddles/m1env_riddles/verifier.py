"""``riddles/alias``: the final answer must name one of the reference's aliases.

The reference is a list of acceptable answers (``["a map", "map"]``) or one string.
The response's answer is the last ``<answer>...</answer>``; both sides are
compared after lower-casing and dropping punctuation and the articles a/an/the.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from m1env.verifiers import Score, Verifier
from m1env.verifiers.extract import last_tag

__all__ = ["AliasVerifier", "normalize"]

_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(_ARTICLES.sub(" ", text).split())


class AliasVerifier(Verifier):
    name = "riddles/alias"
    description = "final <answer> matches any listed alias (case, articles, punctuation ignored)"
    isolate = False  # linear-time string work: no worker round trip needed
    timeout = 5.0

    def check(self, response: str, reference: Any, *args: Any, **options: Any) -> Score:
        if options:
            return Score.error(f"riddles/alias takes no options, got {sorted(options)}")
        aliases = [reference] if isinstance(reference, str) else reference
        if (
            not isinstance(aliases, list)
            or not aliases
            or not all(isinstance(a, str) for a in aliases)
        ):
            return Score.error("reference must be a string or a non-empty list of strings")
        answer = last_tag(response[-10_000:])
        if answer is None:
            return Score.incorrect("no final answer: expected <answer>...</answer>")
        got = normalize(answer)
        if got and got in {normalize(a) for a in aliases}:
            return Score.correct(extracted=answer[:200])
        return Score.incorrect(
            f"{answer[:80]!r} is none of the accepted answers", extracted=answer[:200]
        )
