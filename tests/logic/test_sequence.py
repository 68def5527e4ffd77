from __future__ import annotations

from fractions import Fraction

import pytest

from m1env.envs.logic.sequence import RULES, SequenceConfig, predictions

from ._helpers import problems, score


@pytest.mark.parametrize("difficulty", [1, 3, 5, 7, 10])
def test_shown_terms_determine_the_answer_within_the_rule_family(difficulty: int) -> None:
    for p in problems("sequence", (difficulty,), count=8):
        ref = p.answer
        found = predictions(ref["terms"], len(ref["answer"]))
        assert found == {tuple(Fraction(x) for x in ref["answer"])}
        assert p.metadata["rule"] in SequenceConfig.for_difficulty(difficulty).rules


def test_predictions_fit_each_rule_type() -> None:
    assert predictions([2, 4, 6, 8, 10, 12], 1) == {(14,)}
    assert predictions([3, 6, 12, 24, 48, 96], 2) == {(192, 384)}
    assert predictions([1, 1, 2, 3, 5, 8, 13], 1) == {(21,)}
    assert predictions([1, 4, 9, 16, 25, 36], 1) == {(49,)}
    assert predictions([1, 10, 2, 20, 3, 30, 4], 2) == {(40, 5)}
    # a cubic fits any 4 terms and a Fibonacci-like recurrence any 4, so 5 decide nothing
    with pytest.raises(ValueError, match="at least 6"):
        predictions([1, 2, 3, 5, 8], 1)
    # no rule of the family fits: nothing is justified
    assert predictions([1, 2, 4, 7, 100, -3], 1) == set()


def test_wrong_and_equivalent_answers() -> None:
    p = problems("sequence", (7,), count=1)[0]
    ref = p.answer
    good = ref["answer"]
    assert score(
        "sequence", " ; ".join(f"+{x}" if x >= 0 else str(x) for x in good), ref
    ).is_correct
    assert score("sequence", " ".join(map(str, good)) + ".", ref).is_correct
    wrong = [good[0] + 1, *good[1:]]
    s = score("sequence", ", ".join(map(str, wrong)), ref)
    assert s.status == "incorrect" and "term 1" in s.reason
    assert "expected 2" in score("sequence", str(good[0]), ref).reason
    assert "not an integer" in score("sequence", "3.5, 4", ref).reason
    assert "not an integer" in score("sequence", "9" * 100 + ", 1", ref).reason


def test_config_validation() -> None:
    with pytest.raises(ValueError):
        SequenceConfig(rules=("primes",))
    with pytest.raises(ValueError):
        SequenceConfig(count=0)
    assert SequenceConfig.for_difficulty(10).rules == RULES
