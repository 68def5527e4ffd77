from __future__ import annotations

import itertools
from typing import Any

import pytest

from m1env.envs.logic.minesweeper import MinesweeperConfig, deduce
from tests.logic.helpers_b import answer_of, assert_correct, assert_wrong, check_contract, items

F = "minesweeper"


def brute_force(board: list[str]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Enumerate every mine placement on the covered cells next to a number."""
    h, w = len(board), len(board[0])

    def around(r: int, c: int) -> list[tuple[int, int]]:
        return [
            (r + a, c + b)
            for a in (-1, 0, 1)
            for b in (-1, 0, 1)
            if (a or b) and 0 <= r + a < h and 0 <= c + b < w
        ]

    numbers = [(r, c) for r in range(h) for c in range(w) if board[r][c] != "?"]
    frontier = sorted({nb for r, c in numbers for nb in around(r, c) if board[nb[0]][nb[1]] == "?"})
    if len(frontier) > 13:
        return None  # type: ignore[return-value]
    seen: dict[tuple[int, int], set[bool]] = {cell: set() for cell in frontier}
    for bits in itertools.product([False, True], repeat=len(frontier)):
        mines = {cell for cell, bit in zip(frontier, bits, strict=True) if bit}
        if all(sum(nb in mines for nb in around(r, c)) == int(board[r][c]) for r, c in numbers):
            for cell in frontier:
                seen[cell].add(cell in mines)
    return (
        [cell for cell in frontier if seen[cell] == {True}],
        [cell for cell in frontier if seen[cell] == {False}],
    )


def test_contract():
    check_contract(F)


def test_deductions_match_brute_force_and_the_hidden_board():
    checked = 0
    for p in items(F, seeds=4, difficulties=(1, 2, 5)):
        ref = p.answer
        mines, safe = deduce(ref["board"])
        assert [[r + 1, c + 1] for r, c in mines] == ref["mines"]
        assert [[r + 1, c + 1] for r, c in safe] == ref["safe"]
        assert mines or safe  # every puzzle has something to deduce
        expected = brute_force(ref["board"])
        if expected is not None:
            assert (mines, safe) == expected
            checked += 1
        assert_correct(F, answer_of(p), ref)
    assert checked >= 3


def test_equivalent_formats_score_1():
    p = items(F, seeds=1, difficulties=(5,))[0]
    ref = p.answer
    fmt = lambda cells: ", ".join(f"{r}, {c}" for r, c in reversed(cells)) or "none"  # noqa: E731
    assert_correct(F, f"Safe: {fmt(ref['safe'])}\nMines: {fmt(ref['mines'])}", ref)
    assert_correct(F, f"Mine cells: {fmt(ref['mines'])}\nSafe cells = {fmt(ref['safe'])}", ref)


def test_wrong_answers_score_0_with_reason():
    ref: dict[str, Any] = {"board": ["1?", "??"], "mines": [], "safe": []}
    assert_correct(F, "mines: none; safe: none", ref)  # nothing is provable here
    ref = {"board": ["01?", "01?", "01?"], "mines": [[2, 3]], "safe": [[1, 3], [3, 3]]}
    assert deduce(ref["board"]) == ([(1, 2)], [(0, 2), (2, 2)])
    assert_correct(F, "mines: (2,3); safe: (1,3) (3,3)", ref)
    assert_wrong(F, "mines: (2,3) (1,3); safe: (3,3)", ref, "(1,3) is not provably a mine")
    assert_wrong(F, "mines: (2,3); safe: (3,3)", ref, "(1,3) is provably safe but not listed")
    assert_wrong(F, "mines: none; safe: (1,3) (3,3)", ref, "provably a mine")
    assert_wrong(F, "mines: (2,3)", ref, "one 'mines:' list and one 'safe:'")
    assert_wrong(F, "mines: (2,3); safe: maybe (1,3)", ref, "cannot read")


def test_config_validates():
    with pytest.raises(ValueError):
        MinesweeperConfig(rows=2)
    with pytest.raises(ValueError):
        MinesweeperConfig(density=0.9)
