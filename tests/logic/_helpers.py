"""Shared helpers for the logic-family tests: real generation, real checkers."""

from __future__ import annotations

from typing import Any

from m1env.envs.logic.base import MAX_ANSWER_CHARS, LogicVerifier, generate_problem
from m1env.sources import Problem
from m1env.verifiers import Score
from m1env.verifiers.extract import last_tag

__all__ = ["MAX_ANSWER_CHARS", "answer_of", "problems", "score"]


def problems(
    family: str, difficulties: tuple[int, ...] = (1, 5, 10), count: int = 3
) -> list[Problem]:
    """``count`` items of ``family`` at each difficulty (seed 7)."""
    return [generate_problem(family, 7, i, d) for d in difficulties for i in range(count)]


def answer_of(problem: Problem) -> str:
    """The text inside the example solution's answer tags."""
    assert problem.solution is not None
    text = last_tag(problem.solution)
    assert text is not None
    return text


def score(family: str, answer: str, reference: Any) -> Score:
    """Score ``answer`` (wrapped in tags) with the family's verifier logic, in-process."""
    return LogicVerifier(family).check(f"reasoning...\n<answer>{answer}</answer>", reference)
