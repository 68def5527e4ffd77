from __future__ import annotations

import pytest

from m1env.envs.logic.sudoku import BOXES, SudokuConfig, broken_rule, count_solutions, parse_grid

from ._helpers import answer_of, problems, score


@pytest.mark.parametrize("difficulty", [1, 2, 3, 4, 5, 7, 10])
def test_every_puzzle_has_exactly_one_solution(difficulty: int) -> None:
    for p in problems("sudoku", (difficulty,), count=2):
        ref = p.answer
        size = ref["size"]
        assert count_solutions(ref["puzzle"], size, limit=5) == 1
        assert broken_rule(ref["solution"], size) is None
        assert all(g in (0, s) for g, s in zip(ref["puzzle"], ref["solution"], strict=True))
        assert ref["puzzle"].count(0) == p.metadata["removed"]
        expected = SudokuConfig.for_difficulty(difficulty)
        assert size == expected.size and p.metadata["removed"] <= expected.removed


def test_difficulty_grows_grid_and_blanks() -> None:
    sizes = [SudokuConfig.for_difficulty(d).size for d in range(1, 11)]
    assert sizes == sorted(sizes) and set(sizes) == set(BOXES)
    removed = [SudokuConfig.for_difficulty(d).removed for d in range(5, 11)]
    assert removed == sorted(removed)


def test_corrupted_grids_are_rejected_with_the_broken_rule() -> None:
    p = problems("sudoku", (5,), count=1)[0]
    ref = p.answer
    sol = list(ref["solution"])
    blank = ref["puzzle"].index(0)
    row = blank // 9
    # swap two free cells of one row: rows stay valid, a column or box breaks
    other = next(i for i in range(row * 9, row * 9 + 9) if i != blank and ref["puzzle"][i] == 0)
    sol[blank], sol[other] = sol[other], sol[blank]
    s = score(
        "sudoku", "\n".join(" ".join(map(str, sol[r * 9 : r * 9 + 9])) for r in range(9)), ref
    )
    assert s.status == "incorrect" and ("column" in s.reason or "box" in s.reason)
    given = next(i for i, v in enumerate(ref["puzzle"]) if v)
    changed = list(ref["solution"])
    changed[given] = changed[given] % 9 + 1
    s = score("sudoku", "".join(map(str, changed)), ref)
    assert s.status == "incorrect" and "given" in s.reason
    assert "81" in score("sudoku", "123", ref).reason


def test_equivalent_formats_score_one() -> None:
    p = problems("sudoku", (3,), count=1)[0]
    ref, sol = p.answer, p.answer["solution"]
    rows = [sol[r * 6 : r * 6 + 6] for r in range(6)]
    formats = [
        answer_of(p),
        "".join(map(str, sol)),
        "\n".join(",".join(map(str, r)) for r in rows),
        "\n".join("| " + " | ".join(map(str, r)) + " |" for r in rows),
        str(rows),
    ]
    for text in formats:
        assert score("sudoku", text, ref).is_correct, text


def test_parse_grid_rejects_out_of_range_digits_and_letters() -> None:
    with pytest.raises(ValueError, match=r"1\.\.4"):
        parse_grid("1234123412341235", 4)
    with pytest.raises(ValueError, match="found 'x'"):
        parse_grid("x" * 16, 4)


def test_config_validation() -> None:
    with pytest.raises(ValueError):
        SudokuConfig(size=5)
    with pytest.raises(ValueError):
        SudokuConfig(size=4, removed=16)


def test_random_fill_gives_valid_and_varied_grids() -> None:
    import random

    from m1env.envs.logic.sudoku import random_fill

    grids = [random_fill(random.Random(i), 9) for i in range(20)]
    assert all(broken_rule(g, 9) is None for g in grids)
    assert len({tuple(g) for g in grids}) == 20
    latin = random_fill(random.Random(0), 7, boxes=False)
    assert all(len(set(latin[r * 7 : r * 7 + 7])) == 7 for r in range(7))
    assert all(len(set(latin[c::7])) == 7 for c in range(7))
