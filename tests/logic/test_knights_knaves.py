from __future__ import annotations

import itertools

import pytest

from m1env.envs.logic.knights_knaves import KnightsKnavesConfig, consistent, evaluate

from ._helpers import answer_of, problems, score


@pytest.mark.parametrize("difficulty", [1, 3, 6, 10])
def test_enumeration_proves_a_unique_assignment(difficulty: int) -> None:
    for p in problems("knights_knaves", (difficulty,), count=4):
        ref = p.answer
        n = len(ref["names"])
        worlds = [
            w
            for w in itertools.product((True, False), repeat=n)
            if consistent(ref["statements"], w) is None
        ]
        assert worlds == [tuple(ref["solution"])]
        assert n == KnightsKnavesConfig.for_difficulty(difficulty).people


def test_evaluate_connectives() -> None:
    w = (True, False, True)
    assert evaluate(["count", 2, "knight"], w)
    assert evaluate(["if", ["knave", 0], ["knight", 1]], w)
    assert not evaluate(["iff", ["knight", 0], ["knight", 1]], w)
    assert evaluate(["differ", 0, 1], w) and evaluate(["same", 0, 2], w)


def test_wrong_assignment_names_the_contradiction() -> None:
    p = problems("knights_knaves", (5,), count=1)[0]
    ref = p.answer
    flipped = [not ref["solution"][0], *ref["solution"][1:]]
    text = ", ".join(
        f"{n}: {'knight' if k else 'knave'}" for n, k in zip(ref["names"], flipped, strict=True)
    )
    s = score("knights_knaves", text, ref)
    assert s.status == "incorrect" and "says" in s.reason


def test_equivalent_formats_and_missing_people() -> None:
    p = problems("knights_knaves", (5,), count=1)[0]
    ref = p.answer
    pairs = list(zip(ref["names"], ref["solution"], strict=True))
    lines = "\n".join(f"{n} is a {'knight' if k else 'knave'}." for n, k in reversed(pairs))
    assert score("knights_knaves", lines, ref).is_correct
    upper = answer_of(p).upper().replace(", ", "; ")
    assert score("knights_knaves", upper, ref).is_correct
    eq = " and ".join(f"{n.lower()} = {'knight' if k else 'knave'}" for n, k in pairs)
    assert score("knights_knaves", eq, ref).is_correct
    partial = ", ".join(f"{n}: {'knight' if k else 'knave'}" for n, k in pairs[:-1])
    assert "no type given" in score("knights_knaves", partial, ref).reason
    assert "not one of" in score("knights_knaves", "Zed: knight", ref).reason
    dup = answer_of(p) + f", {pairs[0][0]}: {'knave' if pairs[0][1] else 'knight'}"
    assert "two different" in score("knights_knaves", dup, ref).reason


def test_config_validation() -> None:
    with pytest.raises(ValueError):
        KnightsKnavesConfig(people=1)
    with pytest.raises(ValueError):
        KnightsKnavesConfig(depth=5)
