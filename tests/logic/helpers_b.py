"""Checks every logic family of branch logic-b must pass (used by test_<family>.py)."""

from __future__ import annotations

import json
import re
from typing import Any

from m1env.envs.logic.base import MAX_ANSWER_CHARS, LogicVerifier, generate_problem, load_family
from m1env.sources import Problem
from m1env.verifiers import Score

DIFFICULTIES = (1, 5, 10)


def answer_of(problem: Problem) -> str:
    assert problem.solution is not None
    match = re.search(r"<answer>(.*)</answer>", problem.solution, re.S)
    assert match is not None
    return match.group(1)


def items(
    family: str, seeds: int = 2, difficulties: tuple[int, ...] = DIFFICULTIES
) -> list[Problem]:
    return [
        generate_problem(family, s, i, d)
        for d in difficulties
        for s in range(seeds)
        for i in range(2)
    ]


def score(family: str, answer: str, reference: Any) -> Score:
    """The family's verifier on a full response, in-process (JSON round-tripped reference)."""
    return LogicVerifier(family).check(
        f"reasoning...\n<answer>{answer}</answer>", json.loads(json.dumps(reference))
    )


def assert_correct(family: str, answer: str, reference: Any) -> None:
    result = score(family, answer, reference)
    assert result.status == "correct" and result.score == 1.0, (result, answer)


def assert_wrong(family: str, answer: str, reference: Any, reason: str = "") -> None:
    result = score(family, answer, reference)
    assert result.status == "incorrect" and result.score == 0.0, (result, answer)
    assert result.reason, "a wrong answer needs a reason"
    assert reason.lower() in result.reason.lower(), (result.reason, reason)


def check_contract(family: str) -> None:
    """Determinism, reference scores 1, malformed answers score 0 with a reason."""
    for d in DIFFICULTIES:
        a = generate_problem(family, 7, 3, d)
        b = generate_problem(family, 7, 3, d)
        assert a == b, "generation must be a pure function of (seed, index, difficulty)"
        assert generate_problem(family, 7, 4, d).question != a.question
        assert a.metadata["config"] == json.loads(json.dumps(a.metadata["config"]))
        assert a.answer == json.loads(json.dumps(a.answer)), "reference must be JSON-native"
        full = LogicVerifier(family).check(a.solution or "", a.answer)
        assert full.status == "correct", full
        for bad, why in [
            (answer_of(a), "no final answer"),  # no tags
            ("<answer></answer>", ""),
            ("<answer>§§ garbage ¤¤ 42 zz</answer>", ""),
            (f"<answer>{'x' * (MAX_ANSWER_CHARS + 1)}</answer>", "longer than"),
            (f"<answer>{answer_of(a) * 50}</answer>", ""),
        ]:
            result = LogicVerifier(family).check(bad, a.answer)
            assert result.status == "incorrect" and result.score == 0.0, (bad[:80], result)
            assert result.reason and why in result.reason, result.reason
    fam = load_family(family)
    for d in range(1, 11):
        fam.config(d)  # every difficulty maps to valid knobs
