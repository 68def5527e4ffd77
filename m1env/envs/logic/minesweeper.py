"""Minesweeper deduction: which covered cells are provably mines, which provably safe?

The board shows revealed cells as their mine counts (0-8) and covered cells as ``?``;
the total number of mines is not given. A covered cell is *provably a mine* (or
*safe*) when every placement of mines consistent with all the revealed numbers puts
(or does not put) a mine there. :func:`deduce` decides this exactly: for each covered
cell next to a number it searches, with constraint propagation, for a consistent
placement having the other value. Covered cells next to no number are never
determined (nothing constrains them).

Difficulty raises the board size (5x5 to 10x10) and the mine density. The generator
places mines at random, opens a random zero cell (flood-filling like a first click)
and reveals a few more safe cells, keeping boards with at least one deduction. The
checker compares the two sets exactly and names the first wrong or missing cell.

Answer format: two labelled lists of (row, column) cells counted from 1, e.g.
``mines: (1,3) (2,5); safe: (4,1)``; write ``none`` for an empty list.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any, Self

from m1env.envs.logic.base import Family, FamilyConfig, Puzzle, register_family
from m1env.sources import check_difficulty
from m1env.verifiers import Score

__all__ = ["Minesweeper", "MinesweeperConfig", "deduce", "parse_cells"]

Cell = tuple[int, int]
_CELL = re.compile(r"\(?\s*(\d+)\s*,\s*(\d+)\s*\)?")
_LABEL = re.compile(r"\b(mines?|safe)\b(?:\s+cells?\b)?\s*[:=\-]?", re.IGNORECASE)


@dataclass(frozen=True)
class MinesweeperConfig(FamilyConfig):
    rows: int = 7
    cols: int = 7
    density: float = 0.18
    extra_reveals: int = 2

    def __post_init__(self) -> None:
        for name in ("rows", "cols"):
            if not 3 <= getattr(self, name) <= 30:
                raise ValueError(f"{name} must be in [3, 30], got {getattr(self, name)}")
        if not 0.05 <= self.density <= 0.4:
            raise ValueError(f"density must be in [0.05, 0.4], got {self.density}")
        if not 0 <= self.extra_reveals <= 50:
            raise ValueError(f"extra_reveals must be in [0, 50], got {self.extra_reveals}")

    @classmethod
    def for_difficulty(cls, difficulty: int) -> Self:
        d = check_difficulty(difficulty)
        side = 5 + (d - 1) // 2
        return cls(rows=side, cols=side, density=round(0.12 + 0.012 * d, 3), extra_reveals=2)


def _around(r: int, c: int, rows: int, cols: int) -> list[Cell]:
    return [
        (r + dr, c + dc)
        for dr in (-1, 0, 1)
        for dc in (-1, 0, 1)
        if (dr or dc) and 0 <= r + dr < rows and 0 <= c + dc < cols
    ]


def deduce(board: list[str]) -> tuple[list[Cell], list[Cell]]:
    """(provable mines, provable safe cells) of a board of digits and ``?``, 0-based."""
    rows, cols = len(board), len(board[0])
    constraints: list[tuple[list[int], int]] = []
    index: dict[Cell, int] = {}
    for r in range(rows):
        for c in range(cols):
            if board[r][c] == "?":
                continue
            covered = [nb for nb in _around(r, c, rows, cols) if board[nb[0]][nb[1]] == "?"]
            if covered:
                ids = [index.setdefault(cell, len(index)) for cell in covered]
                constraints.append((ids, int(board[r][c])))
    cells = sorted(index, key=index.__getitem__)
    by_var: list[list[int]] = [[] for _ in cells]
    for k, (ids, _) in enumerate(constraints):
        for v in ids:
            by_var[v].append(k)

    def consistent(assign: list[int], var: int) -> bool:
        for k in by_var[var]:
            ids, need = constraints[k]
            mines = sum(1 for v in ids if assign[v] == 1)
            unknown = sum(1 for v in ids if assign[v] == -1)
            if mines > need or mines + unknown < need:
                return False
        return True

    def find(assign: list[int]) -> list[int] | None:
        try:
            var = assign.index(-1)
        except ValueError:
            return assign
        for value in (0, 1):
            assign[var] = value
            if consistent(assign, var):
                result = find(assign)
                if result is not None:
                    return result
        assign[var] = -1
        return None

    seen: list[set[int]] = [set() for _ in cells]
    for var in range(len(cells)):
        for value in (0, 1):
            if value in seen[var]:
                continue
            start = [-1] * len(cells)
            start[var] = value
            solution = find(start) if consistent(start, var) else None
            if solution is not None:
                for v, x in enumerate(solution):
                    seen[v].add(x)
    mines = [cells[v] for v in range(len(cells)) if seen[v] == {1}]
    safe = [cells[v] for v in range(len(cells)) if seen[v] == {0}]
    return sorted(mines), sorted(safe)


def parse_cells(text: str) -> dict[str, set[Cell]]:
    """``{"mines": {...}, "safe": {...}}`` (1-based cells); ValueError says why not."""
    labels = list(_LABEL.finditer(text))
    kinds = [("mines" if m.group(1).lower().startswith("mine") else "safe") for m in labels]
    if sorted(kinds) != ["mines", "safe"]:
        raise ValueError("expected one 'mines:' list and one 'safe:' list")
    if text[: labels[0].start()].strip(" \n\t;.,"):
        raise ValueError("unexpected text before the first list")
    out: dict[str, set[Cell]] = {}
    for i, (match, kind) in enumerate(zip(labels, kinds, strict=True)):
        end = labels[i + 1].start() if i + 1 < len(labels) else len(text)
        body = text[match.end() : end]
        cells = [(int(r), int(c)) for r, c in _CELL.findall(body)]
        rest = _CELL.sub(" ", body).strip(" \n\t;.,")
        if rest and rest.lower() not in ("none", "-", "[]", "{}", "no cells", "nothing"):
            raise ValueError(f"cannot read {rest[:30]!r} in the {kind} list")
        if rest.lower() in ("none",) and cells:
            raise ValueError(f"the {kind} list says none but lists cells")
        out[kind] = set(cells)
    return out


def _fmt(cells: list[Cell] | set[Cell]) -> str:
    return " ".join(f"({r + 1},{c + 1})" for r, c in sorted(cells)) or "none"


class Minesweeper(Family):
    name = "minesweeper"
    title = "Minesweeper"
    description = "find the covered cells that are provably mines or provably safe"
    config_cls = MinesweeperConfig

    def generate(self, rng: random.Random, config: MinesweeperConfig) -> Puzzle:
        h, w = config.rows, config.cols
        count = max(1, round(config.density * h * w))
        while True:
            mines = set(rng.sample([(r, c) for r in range(h) for c in range(w)], count))
            near = {
                (r, c): sum(nb in mines for nb in _around(r, c, h, w))
                for r in range(h)
                for c in range(w)
            }
            zeros = sorted(cell for cell, n in near.items() if n == 0 and cell not in mines)
            if not zeros:
                continue
            open_ = {rng.choice(zeros)}
            stack = list(open_)
            while stack:  # flood fill from the zero, like a first click
                cell = stack.pop()
                if near[cell] == 0:
                    for nb in _around(*cell, h, w):
                        if nb not in open_:
                            open_.add(nb)
                            stack.append(nb)
            hidden_safe = sorted(set(near) - mines - open_)
            open_.update(rng.sample(hidden_safe, min(config.extra_reveals, len(hidden_safe))))
            if len(open_) == h * w - len(mines):
                continue  # nothing left to deduce
            board = [
                "".join(str(near[(r, c)]) if (r, c) in open_ else "?" for c in range(w))
                for r in range(h)
            ]
            proven_mines, proven_safe = deduce(board)
            if proven_mines or proven_safe:
                break
        header = "   " + " ".join(f"{c + 1:>2}" for c in range(w))
        shown = "\n".join(
            f"{r + 1:>2} " + " ".join(f"{ch:>2}" for ch in row) for r, row in enumerate(board)
        )
        question = (
            f"A {h}x{w} minesweeper board: numbers are revealed cells (how many of the 8 "
            f"neighbouring cells hold a mine) and `?` marks a covered cell. The total number "
            f"of mines is not given. Rows and columns are numbered from 1.\n{header}\n{shown}\n"
            f"List every covered cell that must be a mine and every covered cell that must "
            f"be safe, given only the revealed numbers.\n"
            f"Answer format: `mines: (row,col) (row,col) ...; safe: (row,col) ...`, "
            f"writing `none` for an empty list."
        )
        answer = f"mines: {_fmt(proven_mines)}; safe: {_fmt(proven_safe)}"
        return Puzzle(
            question=question,
            reference={
                "board": board,
                "mines": [[r + 1, c + 1] for r, c in proven_mines],
                "safe": [[r + 1, c + 1] for r, c in proven_safe],
            },
            answer=answer,
            explanation="Compare overlapping number constraints; a cell forced in every "
            "consistent placement is determined.",
            metadata={"mines": count, "deductions": len(proven_mines) + len(proven_safe)},
        )

    def check(self, answer: str, reference: Any) -> Score:
        try:
            given = parse_cells(answer)
        except ValueError as exc:
            return Score.incorrect(f"cannot read the answer: {exc}")
        for kind in ("mines", "safe"):
            truth = {(r, c) for r, c in reference[kind]}
            wrong = sorted(given[kind] - truth)
            if wrong:
                r, c = wrong[0]
                return Score.incorrect(
                    f"({r},{c}) is not provably {'a mine' if kind == 'mines' else 'safe'}"
                )
            missing = sorted(truth - given[kind])
            if missing:
                r, c = missing[0]
                return Score.incorrect(
                    f"({r},{c}) is provably {'a mine' if kind == 'mines' else 'safe'} but not listed"
                )
        return Score.correct()


SPEC, verifier = register_family(Minesweeper)
