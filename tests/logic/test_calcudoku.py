from __future__ import annotations

import itertools

import pytest

from m1env.envs.logic.calcudoku import CalcudokuConfig, cage_holds, solve
from tests.logic.helpers_b import answer_of, assert_correct, assert_wrong, check_contract, items

F = "calcudoku"


def brute_force(n: int, cages: list[dict]) -> list[list[list[int]]]:
    found = []
    rows = list(itertools.permutations(range(1, n + 1)))
    for grid in itertools.product(rows, repeat=n):
        if any(len(set(col)) != n for col in zip(*grid, strict=True)):
            continue
        if all(
            cage_holds(c["op"], c["target"], [grid[r][k] for r, k in c["cells"]]) for c in cages
        ):
            found.append([list(row) for row in grid])
    return found


def test_contract():
    check_contract(F)


def test_puzzles_have_exactly_one_solution():
    for p in items(F):
        ref = p.answer
        assert solve(ref["size"], ref["cages"], limit=5) == [ref["solution"]]
        cells = sorted(tuple(c) for cage in ref["cages"] for c in cage["cells"])
        assert cells == [(r, c) for r in range(ref["size"]) for c in range(ref["size"])]
        assert_correct(F, answer_of(p), ref)
        compact = "\n".join(line.replace(" ", "") for line in answer_of(p).splitlines())
        assert_correct(F, compact, ref)
        assert_correct(F, answer_of(p).replace(" ", ", ").replace("\n", "\n\n"), ref)


def test_solver_agrees_with_brute_force():
    for p in items(F, seeds=3, difficulties=(1,))[:4] + items(F, seeds=1, difficulties=(3,))[:1]:
        ref = p.answer
        assert brute_force(ref["size"], ref["cages"]) == [ref["solution"]]


def test_wrong_grids_score_0_with_reason():
    p = items(F, seeds=1, difficulties=(5,))[0]
    ref = p.answer
    grid = [row[:] for row in ref["solution"]]
    swapped = [grid[1], grid[0], *grid[2:]]  # still a Latin square, breaks a cage
    text = "\n".join(" ".join(map(str, row)) for row in swapped)
    assert_wrong(F, text, ref, "cage")
    bad = [row[:] for row in grid]
    bad[0][0] = bad[0][1]
    assert_wrong(F, "\n".join(" ".join(map(str, row)) for row in bad), ref, "repeats")
    bad[0][0] = 9
    assert_wrong(F, "\n".join(" ".join(map(str, row)) for row in bad), ref, "not 1..")
    assert_wrong(F, "\n".join(" ".join(map(str, row)) for row in grid[:-1]), ref, "expected")
    assert_wrong(F, answer_of(p).replace("1", "one"), ref, "characters other than")


def test_config_validates():
    with pytest.raises(ValueError):
        CalcudokuConfig(size=2)
    with pytest.raises(ValueError):
        CalcudokuConfig(operations="^")
