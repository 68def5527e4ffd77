from __future__ import annotations

import pytest

from m1env.envs.logic.nonogram import NonogramConfig, runs
from tests.logic.helpers_b import answer_of, assert_correct, assert_wrong, check_contract, items

F = "nonogram"


def test_contract():
    check_contract(F)


def test_clues_come_from_the_reference_grid_and_formats_are_equivalent():
    for p in items(F):
        ref = p.answer
        grid = [[ch == "#" for ch in line] for line in answer_of(p).splitlines()]
        assert [runs(row) for row in grid] == ref["row_clues"]  # solvable by construction
        assert [runs(list(col)) for col in zip(*grid, strict=True)] == ref["col_clues"]
        assert_correct(F, answer_of(p), ref)
        ones = "\n".join(" ".join("1" if x else "0" for x in row) for row in grid)
        assert_correct(F, f"\n{ones}\n\n", ref)
        assert_correct(F, answer_of(p).replace("#", "■").replace(".", "□"), ref)


def test_a_different_grid_matching_the_clues_scores_1():
    # Clues [1],[1] / [1],[1] admit both diagonals: any matching grid is accepted.
    ref = {"rows": 2, "cols": 2, "row_clues": [[1], [1]], "col_clues": [[1], [1]]}
    assert_correct(F, "#.\n.#", ref)
    assert_correct(F, ".#\n#.", ref)
    assert_wrong(F, "##\n..", ref, "row 1 has runs [2]")


def test_wrong_grids_score_0_with_reason():
    p = items(F, seeds=1, difficulties=(5,))[0]
    ref = p.answer
    lines = answer_of(p).splitlines()
    flipped = ("." if lines[0][0] == "#" else "#") + lines[0][1:]
    assert_wrong(F, "\n".join([flipped, *lines[1:]]), ref, "row 1")
    assert_wrong(F, "\n".join(lines[:-1]), ref, "expected")
    assert_wrong(F, "\n".join([lines[0] + "#", *lines[1:]]), ref, "row 1 has")
    assert_wrong(F, "\n".join(line.replace("#", "X") for line in lines), ref, "character 'X'")


def test_config_validates():
    with pytest.raises(ValueError):
        NonogramConfig(rows=1)
    with pytest.raises(ValueError):
        NonogramConfig(density=0.95)
