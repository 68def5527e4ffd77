from __future__ import annotations

import itertools

import pytest

from m1env.envs.logic.sat import SatConfig
from tests.logic.helpers_b import answer_of, assert_correct, assert_wrong, check_contract, items

F = "sat"


def satisfies(values: list[bool], clauses: list[list[int]]) -> bool:
    return all(any(values[abs(x) - 1] == (x > 0) for x in c) for c in clauses)


def test_contract():
    check_contract(F)


def test_planted_assignment_satisfies_and_other_models_score_1():
    for p in items(F):
        ref = p.answer
        planted = [bool(v) for v in ref["solution"]]
        assert satisfies(planted, ref["clauses"])
        assert_correct(F, answer_of(p), ref)
        dimacs = " ".join(str(i + 1 if v else -(i + 1)) for i, v in enumerate(planted)) + " 0"
        assert_correct(F, dimacs, ref)
        words = "\n".join(f"X{i + 1}: {'True' if v else 'false'}" for i, v in enumerate(planted))
        assert_correct(F, words, ref)


def test_a_different_satisfying_assignment_scores_1():
    p = items(F, seeds=3, difficulties=(1,))[0]  # 5 variables: enumerate every model
    ref = p.answer
    models = [
        list(vals)
        for vals in itertools.product([False, True], repeat=ref["variables"])
        if satisfies(list(vals), ref["clauses"])
    ]
    for model in models:
        assert_correct(F, ", ".join(f"x{i + 1}={int(v)}" for i, v in enumerate(model)), ref)
    non_models = [
        list(vals)
        for vals in itertools.product([False, True], repeat=ref["variables"])
        if not satisfies(list(vals), ref["clauses"])
    ]
    assert non_models
    for bad in non_models:
        assert_wrong(F, ", ".join(f"x{i + 1}={int(v)}" for i, v in enumerate(bad)), ref, "is false")


def test_malformed_assignments():
    p = items(F, seeds=1, difficulties=(5,))[0]
    ref = p.answer
    n = ref["variables"]
    assert_wrong(F, ", ".join(f"x{i}=1" for i in range(1, n)), ref, f"x{n}")
    assert_wrong(F, answer_of(p) + ", x1=0", ref, "twice")
    assert_wrong(F, answer_of(p) + f", x{n + 1}=1", ref, "not a variable")
    assert_wrong(F, "all true", ref, "no assignment")


def test_config_validates():
    with pytest.raises(ValueError):
        SatConfig(k=7)
    with pytest.raises(ValueError):
        SatConfig(variables=1)
