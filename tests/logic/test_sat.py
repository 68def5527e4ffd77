from __future__ import annotations

import hashlib
import itertools
import json
import random

import pytest

from m1env.envs.logic.base import generate_problem
from m1env.envs.logic.sat import SatConfig, planted_cnf
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


def test_items_are_pinned():
    # m1env/Sat-v0's items are part of its identity: a change here needs a version bump
    digest = hashlib.sha256()
    for seed, index, difficulty in itertools.product(range(3), range(10), (1, 5, 10)):
        p = generate_problem(F, seed, index, difficulty)
        digest.update(json.dumps([p.question, p.answer, p.solution], sort_keys=True).encode())
    assert digest.hexdigest() == "cd1e27188f3ea261c1c740fa6724778927981d8972cfe260f9f009dfee3d125d"


def test_planted_cnf_distinct_and_its_limit():
    for index in range(50):
        cnf = planted_cnf(random.Random(index), 4, 12, 2, distinct=True)
        assert len({tuple(c) for c in cnf.clauses}) == 12
        assert satisfies(cnf.planted, cnf.clauses)
        assert all(abs(a) < abs(b) for a, b in cnf.clauses)
    # 6 pairs of 4 variables x 3 sign patterns the planted assignment satisfies
    with pytest.raises(ValueError, match="distinct"):
        planted_cnf(random.Random(0), 4, 19, 2, distinct=True)
