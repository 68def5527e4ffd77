from __future__ import annotations

import pytest

from m1env.verifiers import get_verifier, verifier_names
from m1env.verifiers.math import MathVerifier

V = MathVerifier()


def test_registered_as_math():
    assert "math" in verifier_names()
    assert isinstance(get_verifier("math"), MathVerifier)


@pytest.mark.parametrize(
    ("response", "reference"),
    [
        ("so \\boxed{42}", "42"),
        ("\\boxed{-7}", -7),
        ("\\boxed{\\frac{1}{2}}", "0.5"),
        ("\\boxed{0.5}", "\\frac12"),
        ("\\boxed{\\dfrac{3}{4}}", "3/4"),
        ("\\boxed{0.75}", 0.75),
        ("\\boxed{1,000}", "1000"),
        ("\\boxed{2.50}", "2.5"),
    ],
)
def test_boxed_numbers_correct(response, reference):
    score = V.check(response, reference)
    assert score.status == "correct", score.reason


@pytest.mark.parametrize(
    ("response", "reference"),
    [("\\boxed{41}", "42"), ("\\boxed{\\frac{1}{3}}", "0.5"), ("\\boxed{0.51}", "0.5")],
)
def test_boxed_numbers_incorrect(response, reference):
    assert V.check(response, reference).status == "incorrect"


def test_verify_through_the_worker_pool():
    assert get_verifier("math").verify("\\boxed{12}", "12").status == "correct"
