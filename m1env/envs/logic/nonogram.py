"""Nonograms: shade grid cells so each row's and column's runs match the clues.

Difficulty raises the grid size. Every puzzle is solvable by construction: the clues
are read off a random grid. Many clue sets have several solutions, so the checker
accepts *any* grid whose runs match every clue, and names the first row or column
that does not.

Answer format: one line per row, ``#`` for a shaded cell and ``.`` for an empty one
(``1``/``0`` and ``■``/``□`` also work; ``X`` is refused because solvers use it
both for shaded and for crossed-out cells); spaces, ``|`` and commas between
cells are ignored.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Self

from m1env.envs.logic.base import Family, FamilyConfig, Puzzle, register_family
from m1env.sources import check_difficulty
from m1env.verifiers import Score

__all__ = ["Nonogram", "NonogramConfig", "parse_picture", "runs"]

FILLED = frozenset("#1■█*")
EMPTY = frozenset(".0_-□·")
IGNORED = frozenset(" \t|,`")


@dataclass(frozen=True)
class NonogramConfig(FamilyConfig):
    rows: int = 8
    cols: int = 8
    density: float = 0.55

    def __post_init__(self) -> None:
        for name in ("rows", "cols"):
            if not 2 <= getattr(self, name) <= 30:
                raise ValueError(f"{name} must be in [2, 30], got {getattr(self, name)}")
        if not 0.1 <= self.density <= 0.9:
            raise ValueError(f"density must be in [0.1, 0.9], got {self.density}")

    @classmethod
    def for_difficulty(cls, difficulty: int) -> Self:
        d = check_difficulty(difficulty)
        return cls(rows=3 + d, cols=3 + d, density=0.6 if d <= 3 else 0.55)


def runs(line: list[bool]) -> list[int]:
    """Lengths of the shaded runs of a line, left to right."""
    out: list[int] = []
    count = 0
    for cell in line:
        if cell:
            count += 1
        elif count:
            out.append(count)
            count = 0
    if count:
        out.append(count)
    return out


def parse_picture(text: str, rows: int, cols: int) -> list[list[bool]]:
    """The grid as booleans; ValueError says why it cannot be read."""
    grid: list[list[bool]] = []
    for lineno, line in enumerate(text.strip().splitlines(), start=1):
        cells: list[bool] = []
        for ch in line.strip():
            if ch in FILLED:
                cells.append(True)
            elif ch in EMPTY:
                cells.append(False)
            elif ch not in IGNORED:
                raise ValueError(f"line {lineno} has the character {ch!r}; use # and .")
        if cells:
            grid.append(cells)
    if len(grid) != rows:
        raise ValueError(f"expected {rows} rows, found {len(grid)}")
    for r, row in enumerate(grid, start=1):
        if len(row) != cols:
            raise ValueError(f"row {r} has {len(row)} cells, expected {cols}")
    return grid


def _clue_text(clue: list[int]) -> str:
    return " ".join(map(str, clue)) if clue else "0"


class Nonogram(Family):
    name = "nonogram"
    title = "Nonogram"
    description = "shade a grid so every row and column matches its run-length clues"
    config_cls = NonogramConfig

    def generate(self, rng: random.Random, config: NonogramConfig) -> Puzzle:
        h, w = config.rows, config.cols
        while True:
            grid = [[rng.random() < config.density for _ in range(w)] for _ in range(h)]
            if any(map(any, grid)):
                break
        row_clues = [runs(row) for row in grid]
        col_clues = [runs([grid[r][c] for r in range(h)]) for c in range(w)]
        rows_text = "\n".join(f"row {i + 1}: {_clue_text(c)}" for i, c in enumerate(row_clues))
        cols_text = "\n".join(f"column {i + 1}: {_clue_text(c)}" for i, c in enumerate(col_clues))
        question = (
            f"Solve this {h}x{w} nonogram. Each clue lists, in order, the lengths of the runs "
            f"of consecutive shaded cells in that row (left to right) or column (top to "
            f"bottom); runs are separated by at least one empty cell; 0 means no shaded "
            f"cell.\nRow clues:\n{rows_text}\nColumn clues:\n{cols_text}\n"
            f"Any grid that matches every clue is accepted.\n"
            f"Answer format: {h} lines of {w} characters, `#` for shaded and `.` for empty."
        )
        answer = "\n".join("".join("#" if x else "." for x in row) for row in grid)
        return Puzzle(
            question=question,
            reference={"rows": h, "cols": w, "row_clues": row_clues, "col_clues": col_clues},
            answer=answer,
            explanation="Overlap the possible placements of each line's runs and iterate.",
        )

    def check(self, answer: str, reference: Any) -> Score:
        h, w = reference["rows"], reference["cols"]
        try:
            grid = parse_picture(answer, h, w)
        except ValueError as exc:
            return Score.incorrect(f"cannot read the grid: {exc}")
        for r, clue in enumerate(reference["row_clues"]):
            got = runs(grid[r])
            if got != clue:
                return Score.incorrect(f"row {r + 1} has runs {got or [0]}, clue is {clue or [0]}")
        for c, clue in enumerate(reference["col_clues"]):
            got = runs([grid[r][c] for r in range(h)])
            if got != clue:
                return Score.incorrect(
                    f"column {c + 1} has runs {got or [0]}, clue is {clue or [0]}"
                )
        return Score.correct()


SPEC, verifier = register_family(Nonogram)
