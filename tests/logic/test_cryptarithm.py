from __future__ import annotations

import itertools

import pytest

from m1env.envs.logic.cryptarithm import CryptarithmConfig, solve
from tests.logic.helpers_b import answer_of, assert_correct, assert_wrong, check_contract, items

F = "cryptarithm"


def _num(word: str, m: dict[str, int]) -> int:
    return int("".join(str(m[ch]) for ch in word))


def brute_force(addends: list[str], result: str, hints: dict[str, int]) -> list[dict[str, int]]:
    letters = sorted(set("".join([*addends, result])))
    leading = {w[0] for w in [*addends, result] if len(w) > 1}
    found = []
    for digits in itertools.permutations(range(10), len(letters)):
        m = dict(zip(letters, digits, strict=True))
        if any(m[ch] == 0 for ch in leading) or any(m[k] != v for k, v in hints.items()):
            continue
        if sum(_num(w, m) for w in addends) == _num(result, m):
            found.append(m)
    return found


def test_contract():
    check_contract(F)


def test_solution_is_unique_and_formats_are_equivalent():
    for p in items(F):
        ref = p.answer
        solutions = solve(ref["addends"], ref["result"], limit=5, fixed=ref["hints"])
        assert solutions == [ref["solution"]]
        assert_correct(F, answer_of(p), ref)
        pairs = list(ref["solution"].items())[::-1]
        assert_correct(F, "\n".join(f"{k.lower()} -> {v}" for k, v in pairs), ref)
        assert_correct(F, " ".join(f"{k}:{v}" for k, v in pairs), ref)


def test_solver_agrees_with_brute_force_on_small_puzzles():
    small = [
        p.answer for p in items(F, seeds=4, difficulties=(1, 2)) if len(p.answer["solution"]) <= 5
    ]
    assert len(small) >= 2
    for ref in small:
        assert brute_force(ref["addends"], ref["result"], ref["hints"]) == [ref["solution"]]
    # SEND + MORE = MONEY has exactly one solution.
    assert solve(["SEND", "MORE"], "MONEY", limit=3) == [
        {"D": 7, "E": 5, "M": 1, "N": 6, "O": 0, "R": 8, "S": 9, "Y": 2}
    ]


def test_wrong_mappings_score_0_with_reason():
    p = items(F, seeds=1, difficulties=(5,))[0]
    ref = p.answer
    sol = dict(ref["solution"])
    letters = sorted(sol)
    a, b = letters[0], letters[1]
    swapped = dict(sol, **{a: sol[b], b: sol[a]})
    result = ", ".join(f"{k}={v}" for k, v in swapped.items())
    assert_wrong(F, result, ref, "")
    assert_wrong(F, ", ".join(f"{k}={v}" for k, v in list(sol.items())[1:]), ref, "have no digit")
    dup = dict(sol, **{a: sol[b]})
    assert_wrong(F, ", ".join(f"{k}={v}" for k, v in dup.items()), ref, "are both")
    unused = next(ch for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if ch not in sol)
    assert_wrong(F, answer_of(p) + f", {unused}=1", ref, "do not appear")
    assert_wrong(F, answer_of(p) + " and some words", ref, "outside")


def test_leading_zero_and_hints_are_enforced():
    ref = {"addends": ["AB", "CD"], "result": "EF", "hints": {}, "solution": {}}
    assert_wrong(F, "A=0, B=7, C=3, D=5, E=4, F=2", ref, "AB would start with 0")  # 07 + 35 = 42
    ref = {"addends": ["AB", "CB"], "result": "DEF", "hints": {"A": 9}, "solution": {}}
    assert_wrong(F, "A=8, B=5, C=9, D=1, E=7, F=0", ref, "gives A=9")  # 85 + 95 = 180


def test_config_validates():
    with pytest.raises(ValueError):
        CryptarithmConfig(addends=1)
    with pytest.raises(ValueError):
        CryptarithmConfig(min_length=5, max_length=4)
