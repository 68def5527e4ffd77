"""Futoshiki: a Latin square with inequality signs between neighbouring cells.

Difficulty sets the grid size (4x4 at 1-3, 5x5 at 4-6, 6x6 at 7-8, 7x7 at 9-10) and
how densely inequalities are sprinkled at the start. The generator draws a random
Latin square, adds a random set of inequalities between orthogonal neighbours, then
asks a backtracking solver for two solutions; while a second solution exists it adds
one clue that rules it out (an inequality next to a cell where the two differ, else
that cell as a given). It stops when the solver proves the solution unique.

Cells are named ``R<row>C<col>`` (1-based). Answer format: the grid, one row per
line, digits separated by spaces. Any grid that is a Latin square, keeps the givens
and satisfies every inequality is accepted.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Self

from m1env.envs.logic._search import bitmask_search
from m1env.envs.logic.base import Family, FamilyConfig, Puzzle, register_family
from m1env.envs.logic.sudoku import parse_grid, random_fill
from m1env.sources import check_difficulty
from m1env.verifiers import Score

__all__ = ["Futoshiki", "FutoshikiConfig", "solve"]

Pair = tuple[int, int]  # (smaller cell index, larger cell index)


@dataclass(frozen=True)
class FutoshikiConfig(FamilyConfig):
    size: int = 5
    density: float = 0.3

    def __post_init__(self) -> None:
        if not 3 <= self.size <= 9:
            raise ValueError(f"size must be in [3, 9], got {self.size}")
        if not 0.0 <= self.density <= 1.0:
            raise ValueError(f"density must be in [0, 1], got {self.density}")

    @classmethod
    def for_difficulty(cls, difficulty: int) -> Self:
        d = check_difficulty(difficulty)
        size = 4 if d <= 3 else 5 if d <= 6 else 6 if d <= 8 else 7
        return cls(size=size, density=round(0.45 - 0.03 * d, 2))


def _propagate(size: int, dom: list[int], less: list[Pair]) -> bool:
    """Narrow bitmask domains in place; False on a contradiction."""
    n = size * size
    lines = [[r * size + c for c in range(size)] for r in range(size)]
    lines += [[r * size + c for r in range(size)] for c in range(size)]
    changed = True
    while changed:
        changed = False
        for line in lines:
            for cell in line:
                d = dom[cell]
                if d == 0:
                    return False
                if d & (d - 1) == 0:
                    for other in line:
                        if other != cell and dom[other] & d:
                            dom[other] &= ~d
                            changed = True
            seen = 0
            for cell in line:
                seen |= dom[cell]
            if seen.bit_count() < size:
                return False
            for v in range(1, size + 1):
                bit = 1 << v
                holders = [cell for cell in line if dom[cell] & bit]
                if len(holders) == 1 and dom[holders[0]] != bit:
                    dom[holders[0]] = bit
                    changed = True
        for a, b in less:
            if dom[a] == 0 or dom[b] == 0:
                return False
            high = dom[b].bit_length() - 1  # largest value b can take
            low = (dom[a] & -dom[a]).bit_length() - 1  # smallest value a can take
            na = dom[a] & ((1 << high) - 1)
            nb = dom[b] & ~((1 << (low + 1)) - 1)
            if na != dom[a] or nb != dom[b]:
                dom[a], dom[b] = na, nb
                changed = True
    return all(dom[i] for i in range(n))


def solve(size: int, givens: dict[int, int], less: list[Pair], limit: int = 2) -> list[list[int]]:
    """Up to ``limit`` solutions (cell values, row-major) of a futoshiki.

    Backtracking over bitmask domains with propagation (singles, hidden singles per
    row and column, bounds across each inequality).
    """
    full = (1 << (size + 1)) - 2
    dom = [full] * (size * size)
    for cell, v in givens.items():
        dom[cell] = 1 << v
    return bitmask_search(dom, lambda d: _propagate(size, d, less), limit)


def _name(cell: int, size: int) -> str:
    r, c = divmod(cell, size)
    return f"R{r + 1}C{c + 1}"


class Futoshiki(Family):
    name = "futoshiki"
    title = "Futoshiki"
    description = "fill a Latin square that satisfies inequality signs between neighbours"
    config_cls = FutoshikiConfig

    def generate(self, rng: random.Random, config: FutoshikiConfig) -> Puzzle:
        size = config.size
        solution = random_fill(rng, size, boxes=False)

        def ordered(a: int, b: int) -> Pair:
            return (a, b) if solution[a] < solution[b] else (b, a)

        neighbours = [
            (cell, cell + step)
            for cell in range(size * size)
            for step, fits in ((1, cell % size < size - 1), (size, cell + size < size * size))
            if fits
        ]
        less = {ordered(a, b) for a, b in neighbours if rng.random() < config.density}
        givens: dict[int, int] = {}
        while True:
            found = solve(size, givens, sorted(less))
            if len(found) == 1:
                break
            other = next(s for s in found if s != solution)
            diff = [i for i in range(size * size) if other[i] != solution[i]]
            cell = rng.choice(diff)
            options = [ordered(a, b) for a, b in neighbours if cell in (a, b)]
            options = [p for p in options if p not in less and other[p[0]] >= other[p[1]]]
            if options:
                less.add(rng.choice(options))
            else:
                givens[cell] = solution[cell]
        pairs = sorted(less)
        grid = "\n".join(
            " ".join(
                str(givens[r * size + c]) if r * size + c in givens else "." for c in range(size)
            )
            for r in range(size)
        )
        signs = "\n".join(f"{_name(a, size)} < {_name(b, size)}" for a, b in pairs)
        question = (
            f"Solve this {size}x{size} futoshiki. Fill the grid with digits 1-{size} so that "
            f"every row and every column contains each digit exactly once, the given digits "
            f"stay, and every inequality holds. R<row>C<column> names a cell (R1C1 is top "
            f"left).\n\nGrid ('.' is empty):\n{grid}\n\nInequalities:\n{signs or '(none)'}\n\n"
            f"Answer with the completed grid: {size} lines of {size} digits separated by spaces."
        )
        answer = "\n".join(
            " ".join(map(str, solution[r * size : (r + 1) * size])) for r in range(size)
        )
        return Puzzle(
            question=question,
            reference={
                "size": size,
                "givens": {str(k): v for k, v in sorted(givens.items())},
                "less": [list(p) for p in pairs],
                "solution": solution,
            },
            answer=answer,
            explanation="Propagating the inequalities and the Latin-square rule fixes every cell.",
            metadata={"inequalities": len(pairs), "givens": len(givens)},
        )

    def check(self, answer: str, reference: Any) -> Score:
        size = reference["size"]
        try:
            values = parse_grid(answer, size)
        except ValueError as exc:
            return Score.incorrect(f"cannot read the grid: {exc}")
        for key, given in reference["givens"].items():
            if values[int(key)] != given:
                return Score.incorrect(
                    f"{_name(int(key), size)} must keep the given {given}, not {values[int(key)]}"
                )
        for r in range(size):
            if len(set(values[r * size : (r + 1) * size])) != size:
                return Score.incorrect(f"row {r + 1} repeats a digit")
        for c in range(size):
            if len(set(values[c::size])) != size:
                return Score.incorrect(f"column {c + 1} repeats a digit")
        for a, b in reference["less"]:
            if not values[a] < values[b]:
                return Score.incorrect(
                    f"{_name(a, size)} < {_name(b, size)} fails: {values[a]} is not less "
                    f"than {values[b]}"
                )
        return Score.correct()


SPEC, verifier = register_family(Futoshiki)
