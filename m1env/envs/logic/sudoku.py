"""Sudoku on 4x4, 6x6 and 9x9 grids with a unique solution.

Difficulty picks the grid size (1-2: 4x4 with 2x2 boxes, 3-4: 6x6 with 2x3 boxes,
5-10: 9x9 with 3x3 boxes) and how many cells are emptied. The generator fills a
random complete grid by randomised backtracking, then empties cells in random order, keeping a removal only while a
backtracking solver still finds exactly one solution -- so every puzzle has a unique
solution, proven by the solver. When no further cell can go, fewer cells are emptied
than asked (``metadata["removed"]`` holds the real count).

Answer format: the completed grid, one row per line, digits optionally separated by
spaces, commas or ``|``. The checker accepts any grid that keeps the givens and has
each digit once per row, column and box (the unique solution, but the reasons name
the broken rule).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any, Self

from m1env.envs.logic.base import Family, FamilyConfig, Puzzle, register_family
from m1env.sources import check_difficulty
from m1env.verifiers import Score

__all__ = ["BOXES", "Sudoku", "SudokuConfig", "count_solutions", "parse_grid", "random_fill"]

#: Box shape (rows, cols) for each supported grid size.
BOXES = {4: (2, 2), 6: (2, 3), 9: (3, 3)}
_SIZES = {1: (4, 5), 2: (4, 8), 3: (6, 14), 4: (6, 20)}
_REMOVED_9 = {5: 40, 6: 44, 7: 48, 8: 51, 9: 54, 10: 57}
_SEPARATORS = re.compile(r"[\s,;|+\-\[\]()]+")


@dataclass(frozen=True)
class SudokuConfig(FamilyConfig):
    size: int = 9
    removed: int = 40

    def __post_init__(self) -> None:
        if self.size not in BOXES:
            raise ValueError(f"size must be one of {sorted(BOXES)}, got {self.size}")
        if not 1 <= self.removed < self.size * self.size:
            raise ValueError(
                f"removed must be in [1, {self.size * self.size - 1}], got {self.removed}"
            )

    @classmethod
    def for_difficulty(cls, difficulty: int) -> Self:
        d = check_difficulty(difficulty)
        if d in _SIZES:
            size, removed = _SIZES[d]
            return cls(size=size, removed=removed)
        return cls(size=9, removed=_REMOVED_9[d])


def count_solutions(grid: list[int], size: int, limit: int = 2) -> int:
    """The number of completions of ``grid`` (0 = empty), counting at most ``limit``."""
    br, bc = BOXES[size]
    full = (1 << (size + 1)) - 2
    rows, cols, boxes = [0] * size, [0] * size, [0] * size
    empty: list[int] = []
    for i, v in enumerate(grid):
        r, c = divmod(i, size)
        b = (r // br) * (size // bc) + c // bc
        if v:
            bit = 1 << v
            if rows[r] & bit or cols[c] & bit or boxes[b] & bit:
                return 0
            rows[r] |= bit
            cols[c] |= bit
            boxes[b] |= bit
        else:
            empty.append(i)
    cells = [
        (i, i // size, i % size, (i // size // br) * (size // bc) + (i % size) // bc) for i in empty
    ]
    found = 0

    def search(remaining: list[tuple[int, int, int, int]]) -> None:
        nonlocal found
        if not remaining:
            found += 1
            return
        best, best_mask, best_n = 0, 0, size + 1
        for k, (_, r, c, b) in enumerate(remaining):
            mask = full & ~(rows[r] | cols[c] | boxes[b])
            n = mask.bit_count()
            if n < best_n:
                best, best_mask, best_n = k, mask, n
                if n <= 1:
                    break
        if best_n == 0:
            return
        _, r, c, b = remaining[best]
        rest = remaining[:best] + remaining[best + 1 :]
        mask = best_mask
        while mask and found < limit:
            bit = mask & -mask
            mask ^= bit
            rows[r] |= bit
            cols[c] |= bit
            boxes[b] |= bit
            search(rest)
            rows[r] ^= bit
            cols[c] ^= bit
            boxes[b] ^= bit

    search(cells)
    return found


def parse_grid(answer: str, size: int) -> list[int]:
    """``size*size`` digits 1..size from ``answer``; raises ValueError with the reason."""
    text = _SEPARATORS.sub("", answer)
    if not text.isdigit():
        bad = next(ch for ch in text if not ch.isdigit()) if text else ""
        raise ValueError(
            f"expected {size} rows of {size} digits; found {bad!r}" if bad else "answer is empty"
        )
    if len(text) != size * size:
        raise ValueError(f"expected {size * size} digits ({size}x{size}), found {len(text)}")
    values = [int(ch) for ch in text]
    if any(not 1 <= v <= size for v in values):
        raise ValueError(f"digits must be 1..{size}")
    return values


def random_fill(rng: random.Random, size: int, boxes: bool = True) -> list[int]:
    """A uniformly-seeded random complete grid: a Latin square of digits 1..size, also
    with every box complete when ``boxes`` (a sudoku solution).

    Randomised backtracking, cell by cell in row-major order with the candidates
    shuffled -- unlike relabelling one pattern grid, this reaches any valid grid.
    """
    br, bc = BOXES[size] if boxes else (size, size)
    rows, cols, box = [0] * size, [0] * size, [0] * size
    grid = [0] * (size * size)

    def place(i: int) -> bool:
        if i == size * size:
            return True
        r, c = divmod(i, size)
        b = (r // br) * (size // bc) + c // bc if boxes else 0
        used = rows[r] | cols[c] | (box[b] if boxes else 0)
        for v in rng.sample(range(1, size + 1), size):
            bit = 1 << v
            if used & bit:
                continue
            rows[r] |= bit
            cols[c] |= bit
            box[b] |= bit if boxes else 0
            grid[i] = v
            if place(i + 1):
                return True
            rows[r] ^= bit
            cols[c] ^= bit
            box[b] ^= bit if boxes else 0
        return False

    place(0)
    return grid


def _render(grid: list[int], size: int) -> str:
    return "\n".join(
        " ".join(str(v) if v else "." for v in grid[r * size : (r + 1) * size]) for r in range(size)
    )


def broken_rule(values: list[int], size: int) -> str | None:
    """The first row, column or box that repeats a digit, or None for a valid grid."""
    br, bc = BOXES[size]
    for r in range(size):
        if len(set(values[r * size : (r + 1) * size])) != size:
            return f"row {r + 1} repeats a digit"
    for c in range(size):
        if len(set(values[c::size])) != size:
            return f"column {c + 1} repeats a digit"
    for b in range(size):
        r0, c0 = (b // (size // bc)) * br, (b % (size // bc)) * bc
        box = {values[(r0 + i) * size + c0 + j] for i in range(br) for j in range(bc)}
        if len(box) != size:
            return (
                f"box {b + 1} (rows {r0 + 1}-{r0 + br}, columns {c0 + 1}-{c0 + bc}) repeats a digit"
            )
    return None


class Sudoku(Family):
    name = "sudoku"
    title = "Sudoku"
    description = "complete a 4x4, 6x6 or 9x9 sudoku with a unique solution"
    config_cls = SudokuConfig

    def generate(self, rng: random.Random, config: SudokuConfig) -> Puzzle:
        size = config.size
        solution = random_fill(rng, size)
        puzzle = list(solution)
        removed = 0
        for i in rng.sample(range(size * size), size * size):
            if removed == config.removed:
                break
            puzzle[i] = 0
            if count_solutions(puzzle, size) == 1:
                removed += 1
            else:
                puzzle[i] = solution[i]
        br, bc = BOXES[size]
        question = (
            f"Solve this {size}x{size} sudoku: fill every '.' with a digit 1-{size} so that "
            f"each row, each column and each {br}x{bc} box contains every digit 1-{size} "
            f"exactly once.\n\n{_render(puzzle, size)}\n\n"
            f"Answer with the completed grid: {size} lines of {size} digits separated by spaces."
        )
        answer = _render(solution, size)
        return Puzzle(
            question=question,
            reference={"size": size, "puzzle": puzzle, "solution": solution},
            answer=answer,
            explanation="Each empty cell is forced by its row, column and box.",
            metadata={"removed": removed},
        )

    def check(self, answer: str, reference: Any) -> Score:
        size = reference["size"]
        try:
            values = parse_grid(answer, size)
        except ValueError as exc:
            return Score.incorrect(f"cannot read the grid: {exc}")
        for i, given in enumerate(reference["puzzle"]):
            if given and values[i] != given:
                r, c = divmod(i, size)
                return Score.incorrect(
                    f"row {r + 1}, column {c + 1} must keep the given {given}, not {values[i]}"
                )
        problem = broken_rule(values, size)
        if problem:
            return Score.incorrect(problem)
        return Score.correct()


SPEC, verifier = register_family(Sudoku)
