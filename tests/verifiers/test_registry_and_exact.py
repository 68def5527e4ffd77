from __future__ import annotations

import pytest

from m1env import verifiers
from m1env.verifiers import (
    DuplicateVerifierError,
    Score,
    UnknownVerifierError,
    Verifier,
    get_verifier,
    register_verifier,
    unregister_verifier,
    verifier_names,
)


class _Slow(Verifier):
    name = "test/slow"
    timeout = 0.5

    def check(self, response, reference, **options):
        while True:
            pass


class _Raises(Verifier):
    name = "test/raises"

    def check(self, response, reference, **options):
        raise KeyError("no such thing")


def test_exact_is_registered_through_entry_points():
    assert "exact" in verifier_names()
    v = get_verifier("exact")
    assert v.verify("so <answer> Paris </answer>", "paris").status == "correct"
    assert v.verify("<answer>Lyon</answer>", "paris").status == "incorrect"
    assert v.verify("Paris", "paris").reason.startswith("no final answer")
    assert v.verify("<answer>Paris</answer>", "paris", case_sensitive=True).status == "incorrect"


def test_unknown_verifier_lists_known_names():
    with pytest.raises(UnknownVerifierError, match="exact"):
        get_verifier("nope")


def test_duplicate_registration_is_rejected():
    register_verifier("test/raises", _Raises)
    try:
        with pytest.raises(DuplicateVerifierError):
            register_verifier("test/raises", _Slow)
        with pytest.raises(DuplicateVerifierError, match="exact"):
            register_verifier("exact", _Slow)
    finally:
        unregister_verifier("test/raises")


def test_timeout_becomes_an_error_score_not_a_hang():
    score = _Slow().verify("x", "y")
    assert score.status == "error" and "time limit" in score.reason
    assert score.details["timed_out"] is True


def test_exception_in_check_becomes_an_error_score():
    score = _Raises().verify("x", "y")
    assert score.status == "error" and "KeyError" in score.reason


@pytest.mark.parametrize(
    "response",
    ["", "\x00\x00", "\ud800 lone surrogate", b"\xff\xfe invalid utf-8", "x" * 2_000_000],
)
def test_hostile_text_never_crashes(response):
    score = get_verifier("exact").verify(response, "x")
    assert isinstance(score, Score) and score.status in ("incorrect", "error")


def test_non_text_response_is_a_clear_error():
    score = get_verifier("exact").verify(12345, "x")
    assert score.status == "error" and "str" in score.reason


def test_unknown_option_is_a_clear_error():
    score = get_verifier("exact").verify("<answer>x</answer>", "x", bogus=1)
    assert score.status == "error" and "bogus" in score.reason


def test_public_surface():
    for name in verifiers.__all__:
        assert hasattr(verifiers, name), name
