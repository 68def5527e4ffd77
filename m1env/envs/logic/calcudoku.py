"""Calcudoku (KenKen): a Latin square whose cages meet arithmetic targets.

Fill an n x n grid with 1..n, each once per row and column, so that the numbers in
every cage combine with the cage's operation (+, -, *, /; - and / only in two-cell
cages, larger minus smaller or larger over smaller) to its target; a one-cell cage
gives its number. Difficulty raises n (3 to 7), the cage sizes and the operations in
play. The generator draws a random Latin square and a random cage partition; while
:func:`solve` finds a second solution it splits off, as a one-cell cage, a cell on
which that solution differs from the planted one, so every puzzle has exactly one
solution, proved by the solver. The checker accepts any grid that obeys every rule.

Answer format: n lines of n numbers separated by spaces (commas and ``|`` also work;
for n <= 9 a row may be written without separators, ``1324``).
"""

from __future__ import annotations

import itertools
import math
import random
import re
from dataclasses import dataclass
from typing import Any, Self

from m1env.envs.logic.base import Family, FamilyConfig, Puzzle, register_family
from m1env.sources import check_difficulty
from m1env.verifiers import Score

__all__ = ["Calcudoku", "CalcudokuConfig", "cage_holds", "parse_number_grid", "solve"]

Cell = tuple[int, int]
_OPS = "+-*/"


@dataclass(frozen=True)
class CalcudokuConfig(FamilyConfig):
    size: int = 5
    max_cage: int = 3
    operations: str = "+-*/"

    def __post_init__(self) -> None:
        if not 3 <= self.size <= 8:
            raise ValueError(f"size must be in [3, 8], got {self.size}")
        if not 1 <= self.max_cage <= 5:
            raise ValueError(f"max_cage must be in [1, 5], got {self.max_cage}")
        if not self.operations or set(self.operations) - set(_OPS) or "+" not in self.operations:
            raise ValueError(
                f"operations must be drawn from '+-*/' and include '+', got {self.operations!r}"
            )

    @classmethod
    def for_difficulty(cls, difficulty: int) -> Self:
        d = check_difficulty(difficulty)
        ops = "+" if d <= 2 else "+-" if d <= 4 else "+-*/"
        return cls(
            size=3 + (d - 1) // 2, max_cage=2 if d <= 2 else 3 if d <= 7 else 4, operations=ops
        )


def cage_holds(op: str, target: int, values: list[int]) -> bool:
    """Whether ``values`` meet a cage's operation and target."""
    if op == "=":
        return len(values) == 1 and values[0] == target
    if op == "+":
        return sum(values) == target
    if op == "*":
        return math.prod(values) == target
    if len(values) != 2:
        return False
    hi, lo = max(values), min(values)
    return hi - lo == target if op == "-" else hi == lo * target


def _cage_tuples(n: int, cage: dict[str, Any]) -> list[tuple[int, ...]]:
    cells = [tuple(c) for c in cage["cells"]]
    clashes = [
        (i, j)
        for i, j in itertools.combinations(range(len(cells)), 2)
        if cells[i][0] == cells[j][0] or cells[i][1] == cells[j][1]
    ]
    return [
        t
        for t in itertools.product(range(1, n + 1), repeat=len(cells))
        if all(t[i] != t[j] for i, j in clashes) and cage_holds(cage["op"], cage["target"], list(t))
    ]


def solve(n: int, cages: list[dict[str, Any]], limit: int = 2) -> list[list[list[int]]]:
    """Up to ``limit`` solutions: depth-first over cages, most constrained cage first,
    each cage trying only the value tuples that meet its target."""
    options = [_cage_tuples(n, cage) for cage in cages]
    cells = [[tuple(c) for c in cage["cells"]] for cage in cages]
    rows, cols = [0] * n, [0] * n
    grid = [[0] * n for _ in range(n)]
    open_cages = set(range(len(cages)))
    found: list[list[list[int]]] = []

    def fits(k: int, t: tuple[int, ...]) -> bool:
        return all(
            not (rows[r] >> v & 1 or cols[c] >> v & 1)
            for (r, c), v in zip(cells[k], t, strict=True)
        )

    def search() -> None:
        if len(found) >= limit:
            return
        if not open_cages:
            found.append([row[:] for row in grid])
            return
        best, best_fit = -1, None
        for k in open_cages:
            fit = [t for t in options[k] if fits(k, t)]
            if best_fit is None or len(fit) < len(best_fit):
                best, best_fit = k, fit
                if not fit:
                    return
        assert best_fit is not None
        open_cages.discard(best)
        for t in best_fit:
            for (r, c), v in zip(cells[best], t, strict=True):
                grid[r][c] = v
                rows[r] |= 1 << v
                cols[c] |= 1 << v
            search()
            for (r, c), v in zip(cells[best], t, strict=True):
                rows[r] &= ~(1 << v)
                cols[c] &= ~(1 << v)
            if len(found) >= limit:
                break
        open_cages.add(best)

    search()
    return found


def _latin_square(rng: random.Random, n: int) -> list[list[int]]:
    grid = [[0] * n for _ in range(n)]

    def fill(i: int) -> bool:
        if i == n * n:
            return True
        r, c = divmod(i, n)
        values = [
            v
            for v in range(1, n + 1)
            if v not in grid[r] and all(grid[k][c] != v for k in range(r))
        ]
        rng.shuffle(values)
        for v in values:
            grid[r][c] = v
            if fill(i + 1):
                return True
        grid[r][c] = 0
        return False

    fill(0)
    return grid


def _components(cells: list[Cell]) -> list[list[Cell]]:
    left, parts = set(cells), []
    while left:
        stack = [min(left)]
        left.discard(stack[0])
        part = []
        while stack:
            r, c = stack.pop()
            part.append((r, c))
            for nb in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                if nb in left:
                    left.discard(nb)
                    stack.append(nb)
        parts.append(sorted(part))
    return parts


def _make_cage(
    rng: random.Random, cells: list[Cell], square: list[list[int]], ops: str
) -> dict[str, Any]:
    values = [square[r][c] for r, c in cells]
    if len(values) == 1:
        op = "="
    else:
        hi, lo = max(values), min(values)
        allowed = [o for o in ops if o in "+*" or (len(values) == 2 and (o == "-" or hi % lo == 0))]
        op = rng.choice(allowed)
    target = {
        "=": values[0],
        "+": sum(values),
        "*": math.prod(values),
        "-": max(values) - min(values),
        "/": max(values) // min(values),
    }[op]
    return {"cells": [list(c) for c in sorted(cells)], "op": op, "target": target}


def _partition(rng: random.Random, n: int, max_cage: int) -> list[list[Cell]]:
    free = {(r, c) for r in range(n) for c in range(n)}
    order = sorted(free)
    rng.shuffle(order)
    cages = []
    for start in order:
        if start not in free:
            continue
        size = rng.randint(1 if max_cage == 1 else 2, max_cage)
        cage = [start]
        free.discard(start)
        while len(cage) < size:
            frontier = sorted(
                {(r + dr, c + dc) for r, c in cage for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1))}
                & free
            )
            if not frontier:
                break
            nxt = rng.choice(frontier)
            free.discard(nxt)
            cage.append(nxt)
        cages.append(sorted(cage))
    return cages


def parse_number_grid(text: str, n: int) -> list[list[int]]:
    """An n x n grid of integers; ValueError says why the text is not one."""
    rows: list[list[int]] = []
    for lineno, line in enumerate(text.strip().splitlines(), start=1):
        if re.search(r"[^\d\s,|;`]", line):
            raise ValueError(f"line {lineno} has characters other than numbers and separators")
        tokens = re.findall(r"\d+", line)
        if len(tokens) == 1 and len(tokens[0]) == n and n <= 9:
            tokens = list(tokens[0])
        if tokens:
            rows.append([int(t) for t in tokens])
    if len(rows) != n:
        raise ValueError(f"expected {n} rows, found {len(rows)}")
    for r, row in enumerate(rows, start=1):
        if len(row) != n:
            raise ValueError(f"row {r} has {len(row)} numbers, expected {n}")
    return rows


def _describe(cage: dict[str, Any]) -> str:
    cells = " ".join(f"({r + 1},{c + 1})" for r, c in cage["cells"])
    if cage["op"] == "=":
        return f"{cage['target']}: {cells}"
    return f"{cage['target']}{cage['op']}: {cells}"


class Calcudoku(Family):
    name = "calcudoku"
    title = "Calcudoku"
    description = "fill a KenKen grid: a Latin square whose cages meet arithmetic targets"
    config_cls = CalcudokuConfig

    def generate(self, rng: random.Random, config: CalcudokuConfig) -> Puzzle:
        n = config.size
        square = _latin_square(rng, n)
        cages = [
            _make_cage(rng, cells, square, config.operations)
            for cells in _partition(rng, n, config.max_cage)
        ]
        while True:
            solutions = solve(n, cages)
            other = next((s for s in solutions if s != square), None)
            if other is None:
                break
            cell = rng.choice(
                sorted((r, c) for r in range(n) for c in range(n) if other[r][c] != square[r][c])
            )
            k = next(i for i, cage in enumerate(cages) if list(cell) in cage["cells"])
            rest = [tuple(c) for c in cages[k]["cells"] if tuple(c) != cell]
            cages[k : k + 1] = [_make_cage(rng, [cell], square, config.operations)] + [
                _make_cage(rng, part, square, config.operations) for part in _components(rest)
            ]
        cages.sort(key=lambda cage: cage["cells"][0])
        question = (
            f"Solve this {n}x{n} calcudoku (KenKen). Fill the grid with the numbers 1 to {n} so "
            f"that each number appears once in every row and every column. Cells are (row, "
            f"column), counted from 1. Each cage lists its target and operation, then its "
            f"cells; the cage's numbers must give the target under the operation (for - and "
            f"/ take the larger number first); a cage with no operation gives its number.\n"
            + "\n".join(_describe(c) for c in cages)
            + f"\nAnswer format: {n} lines of {n} numbers separated by spaces."
        )
        return Puzzle(
            question=question,
            reference={"size": n, "cages": cages, "solution": square},
            answer="\n".join(" ".join(map(str, row)) for row in square),
            explanation="Start from single cells and tight cages, then use row/column exclusion.",
            metadata={"cages": len(cages)},
        )

    def check(self, answer: str, reference: Any) -> Score:
        n = reference["size"]
        try:
            grid = parse_number_grid(answer, n)
        except ValueError as exc:
            return Score.incorrect(f"cannot read the grid: {exc}")
        for r in range(n):
            for c in range(n):
                if not 1 <= grid[r][c] <= n:
                    return Score.incorrect(f"cell ({r + 1},{c + 1}) holds {grid[r][c]}, not 1..{n}")
        for i in range(n):
            if len(set(grid[i])) != n:
                return Score.incorrect(f"row {i + 1} repeats a number")
            if len({grid[r][i] for r in range(n)}) != n:
                return Score.incorrect(f"column {i + 1} repeats a number")
        for cage in reference["cages"]:
            values = [grid[r][c] for r, c in cage["cells"]]
            if not cage_holds(cage["op"], cage["target"], values):
                return Score.incorrect(f"cage {_describe(cage)} is not met by {values}")
        return Score.correct()


SPEC, verifier = register_family(Calcudoku)
