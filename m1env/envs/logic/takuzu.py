"""Takuzu (binary puzzles): fill a grid with 0s and 1s under three rules.

Rules: no three equal digits next to each other in a row or column; every row and
column holds as many 0s as 1s; no two rows and no two columns are the same.
Difficulty raises the grid size (4 to 10) and the share of cells blanked. The
generator fills a random valid grid with the solver, then blanks cells in random
order, keeping a blank only while :func:`count_solutions` still proves the solution
unique. The checker accepts any grid that keeps the givens and obeys the rules (which,
the solution being unique, is the solution) and names the first rule broken.

Answer format: one line per row of 0s and 1s; spaces, commas and ``|`` between cells
are ignored.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from typing import Any, Self

from m1env.envs.logic.base import Family, FamilyConfig, Puzzle, register_family
from m1env.sources import check_difficulty
from m1env.verifiers import Score

__all__ = ["Takuzu", "TakuzuConfig", "count_solutions", "parse_binary_grid", "rule_violation"]

Grid = list[int]  # row-major, -1 for a blank


@dataclass(frozen=True)
class TakuzuConfig(FamilyConfig):
    size: int = 6
    blank_fraction: float = 0.7

    def __post_init__(self) -> None:
        if self.size % 2 or not 4 <= self.size <= 14:
            raise ValueError(f"size must be even and in [4, 14], got {self.size}")
        if not 0.1 <= self.blank_fraction <= 1.0:
            raise ValueError(f"blank_fraction must be in [0.1, 1], got {self.blank_fraction}")

    @classmethod
    def for_difficulty(cls, difficulty: int) -> Self:
        d = check_difficulty(difficulty)
        size = 4 if d <= 2 else 6 if d <= 5 else 8 if d <= 8 else 10
        return cls(size=size, blank_fraction=round(min(1.0, 0.45 + 0.06 * d), 2))


def _lines(n: int) -> list[list[int]]:
    rows = [[r * n + c for c in range(n)] for r in range(n)]
    return rows + [[r * n + c for r in range(n)] for c in range(n)]


@cache
def _patterns(n: int) -> tuple[int, ...]:
    """Every valid line as a bitmask (bit i = cell i is 1): balanced, no three equal."""
    triple = 0b111
    return tuple(
        p
        for p in range(1 << n)
        if p.bit_count() == n // 2
        and not any((p >> j) & triple in (0, triple) for j in range(n - 2))
    )


def _propagate(grid: Grid, n: int, lines: list[list[int]]) -> bool:
    """Line-solve in place: a cell is set when every valid pattern of one of its lines
    that fits the known cells (and differs from the completed parallel lines) agrees
    on it. False on a contradiction."""
    patterns = _patterns(n)
    full = (1 << n) - 1
    changed = True
    while changed:
        changed = False
        done: list[set[int]] = [set(), set()]  # completed rows, completed columns
        partial: list[tuple[int, int, int]] = []
        for k, line in enumerate(lines):
            known = value = 0
            for bit, i in enumerate(line):
                v = grid[i]
                if v != -1:
                    known |= 1 << bit
                    value |= v << bit
            kind = 0 if k < n else 1
            if known == full:
                if value in done[kind] or value not in patterns:
                    return False
                done[kind].add(value)
            else:
                partial.append((k, known, value))
        for k, known, value in partial:
            taken = done[0 if k < n else 1]
            ones, zeros = full, full
            fits = False
            for p in patterns:
                if (p ^ value) & known == 0 and p not in taken:
                    fits = True
                    ones &= p
                    zeros &= ~p
            if not fits:
                return False
            forced = (ones | zeros) & ~known & full
            if forced:
                changed = True
                for bit, i in enumerate(lines[k]):
                    if forced >> bit & 1:
                        grid[i] = ones >> bit & 1
    return True


def rule_violation(grid: Grid, n: int) -> str | None:
    """Why a complete grid breaks the rules, or None if it obeys them."""
    seen: dict[str, dict[tuple[int, ...], int]] = {"row": {}, "column": {}}
    for k, line in enumerate(_lines(n)):
        kind, number = ("row", k + 1) if k < n else ("column", k - n + 1)
        vals = tuple(grid[i] for i in line)
        if vals.count(1) != n // 2:
            return f"{kind} {number} has {vals.count(1)} ones and {vals.count(0)} zeros"
        for j in range(n - 2):
            if vals[j] == vals[j + 1] == vals[j + 2]:
                return f"{kind} {number} has three {vals[j]}s in a row at {j + 1}-{j + 3}"
        if vals in seen[kind]:
            return f"{kind}s {seen[kind][vals]} and {number} are the same"
        seen[kind][vals] = number
    return None


def count_solutions(
    grid: Grid, n: int, limit: int = 2, rng: random.Random | None = None
) -> list[Grid]:
    """Up to ``limit`` completions of ``grid`` (branch order random when ``rng`` given)."""
    lines = _lines(n)
    found: list[Grid] = []

    def search(g: Grid) -> None:
        if len(found) >= limit or not _propagate(g, n, lines):
            return
        try:
            cell = g.index(-1)
        except ValueError:
            if rule_violation(g, n) is None:
                found.append(g)
            return
        order = [0, 1] if rng is None or rng.random() < 0.5 else [1, 0]
        for value in order:
            child = list(g)
            child[cell] = value
            search(child)

    search(list(grid))
    return found


def parse_binary_grid(text: str, n: int) -> Grid:
    """The answer grid, row-major; ValueError says why it cannot be read."""
    rows: list[list[int]] = []
    for lineno, line in enumerate(text.strip().splitlines(), start=1):
        cells: list[int] = []
        for ch in line:
            if ch in "01":
                cells.append(int(ch))
            elif ch not in " \t,|`":
                raise ValueError(f"line {lineno} has the character {ch!r}; use 0 and 1")
        if cells:
            rows.append(cells)
    if len(rows) != n:
        raise ValueError(f"expected {n} rows, found {len(rows)}")
    for r, row in enumerate(rows, start=1):
        if len(row) != n:
            raise ValueError(f"row {r} has {len(row)} cells, expected {n}")
    return [v for row in rows for v in row]


def _show(grid: Grid, n: int, blank: str = ".") -> str:
    return "\n".join(
        " ".join(blank if v == -1 else str(v) for v in grid[r * n : (r + 1) * n]) for r in range(n)
    )


class Takuzu(Family):
    name = "takuzu"
    title = "Takuzu"
    description = "fill a binary grid: balanced lines, no three in a row, no equal lines"
    config_cls = TakuzuConfig

    def generate(self, rng: random.Random, config: TakuzuConfig) -> Puzzle:
        n = config.size
        solution = count_solutions([-1] * (n * n), n, limit=1, rng=rng)[0]
        puzzle = list(solution)
        budget = round(config.blank_fraction * n * n)
        order = list(range(n * n))
        rng.shuffle(order)
        for cell in order:
            if budget == 0:
                break
            puzzle[cell] = -1
            if len(count_solutions(puzzle, n)) == 1:
                budget -= 1
            else:
                puzzle[cell] = solution[cell]
        question = (
            f"Solve this {n}x{n} binary puzzle (takuzu); `.` marks a blank cell:\n"
            f"{_show(puzzle, n)}\n"
            f"Fill every blank with 0 or 1 so that: no three equal digits are adjacent in "
            f"any row or column; every row and every column has {n // 2} zeros and "
            f"{n // 2} ones; no two rows are the same and no two columns are the same.\n"
            f"Answer format: {n} lines of {n} digits separated by spaces, like the grid."
        )
        return Puzzle(
            question=question,
            reference={"size": n, "puzzle": puzzle, "solution": solution},
            answer=_show(solution, n),
            explanation="Fill forced cells (pairs, gaps, full counts) and branch when stuck.",
            metadata={"blanks": puzzle.count(-1)},
        )

    def check(self, answer: str, reference: Any) -> Score:
        n = reference["size"]
        try:
            grid = parse_binary_grid(answer, n)
        except ValueError as exc:
            return Score.incorrect(f"cannot read the grid: {exc}")
        for i, given in enumerate(reference["puzzle"]):
            if given != -1 and grid[i] != given:
                return Score.incorrect(f"cell ({i // n + 1}, {i % n + 1}) is given as {given}")
        problem = rule_violation(grid, n)
        if problem is not None:
            return Score.incorrect(problem)
        return Score.correct()


SPEC, verifier = register_family(Takuzu)
