from __future__ import annotations

import pytest

from m1env.envs.logic.takuzu import TakuzuConfig, count_solutions, rule_violation
from tests.logic.helpers_b import answer_of, assert_correct, assert_wrong, check_contract, items

F = "takuzu"


def test_contract():
    check_contract(F)


def test_puzzles_have_exactly_one_solution():
    for p in items(F, difficulties=(1, 5, 8)):
        ref = p.answer
        n = ref["size"]
        assert rule_violation(ref["solution"], n) is None
        assert count_solutions(ref["puzzle"], n, limit=5) == [ref["solution"]]
        assert all(g in (-1, s) for g, s in zip(ref["puzzle"], ref["solution"], strict=True))
        assert_correct(F, answer_of(p), ref)
        compact = answer_of(p).replace(" ", "")
        assert_correct(F, compact, ref)
        assert_correct(F, "\n".join(" | ".join(line) for line in compact.splitlines()), ref)


def test_rule_breaking_grids_score_0_with_reason():
    ref = {"size": 4, "puzzle": [-1] * 16, "solution": []}
    assert_correct(F, "0011\n1100\n0101\n1010", ref)  # any valid grid when nothing is given
    assert_wrong(F, "0011\n1100\n0011\n1100", ref, "are the same")
    assert_wrong(F, "0111\n1000\n0101\n1010", ref, "ones")
    six = {"size": 6, "puzzle": [-1] * 36, "solution": []}
    assert_wrong(F, "000111\n" * 6, six, "row 1 has three 0s in a row at 1-3")
    assert_wrong(F, "0011\n1100\n0101", ref, "expected 4 rows")
    assert_wrong(F, "0012\n1100\n0101\n1010", ref, "character '2'")
    p = items(F, seeds=1, difficulties=(5,))[0]
    given = next(i for i, v in enumerate(p.answer["puzzle"]) if v != -1)
    n = p.answer["size"]
    flat = [int(ch) for ch in answer_of(p) if ch in "01"]
    flat[given] = 1 - flat[given]
    text = "\n".join("".join(map(str, flat[r * n : (r + 1) * n])) for r in range(n))
    assert_wrong(F, text, p.answer, "is given as")


def test_config_validates():
    with pytest.raises(ValueError):
        TakuzuConfig(size=5)
    with pytest.raises(ValueError):
        TakuzuConfig(blank_fraction=0)
