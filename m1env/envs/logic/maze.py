"""Grid mazes: find a path from S to G through open cells.

Difficulty sets the maze size (4x4 rooms at 1 to 13x13 at 10, drawn on a
``(2r+1) x (2c+1)`` character grid) and, from difficulty 4, knocks out a few extra
walls so several routes exist. The maze is carved by a randomised depth-first search,
so every room is reachable; S is a random room and G the room farthest from it
(breadth-first search gives the distance and one shortest path, the reference).

Answer format: a string of moves ``U``, ``D``, ``L``, ``R`` (one character cell per
move; case-insensitive; spaces, commas or arrows between moves allowed; the words
up/down/left/right also work). The checker walks the path and accepts any route that
stays on open cells and ends on G -- shortest or not.
"""

from __future__ import annotations

import random
import re
from collections import deque
from dataclasses import dataclass
from typing import Any, Self

from m1env.envs.logic.base import Family, FamilyConfig, Puzzle, register_family
from m1env.sources import check_difficulty
from m1env.verifiers import Score

__all__ = ["MOVES", "Maze", "MazeConfig", "parse_moves", "shortest_path"]

MOVES = {"U": (-1, 0), "D": (1, 0), "L": (0, -1), "R": (0, 1)}
_WORDS = re.compile(r"\b(?:up|down|left|right)\b", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s,;>\-→.]+")


@dataclass(frozen=True)
class MazeConfig(FamilyConfig):
    rows: int = 8
    cols: int = 8
    loops: float = 0.05

    def __post_init__(self) -> None:
        for name in ("rows", "cols"):
            value = getattr(self, name)
            if not 2 <= value <= 40:
                raise ValueError(f"{name} must be in [2, 40], got {value}")
        if not 0.0 <= self.loops <= 1.0:
            raise ValueError(f"loops must be in [0, 1], got {self.loops}")

    @classmethod
    def for_difficulty(cls, difficulty: int) -> Self:
        d = check_difficulty(difficulty)
        return cls(rows=3 + d, cols=3 + d, loops=0.0 if d < 4 else 0.08)


def parse_moves(answer: str) -> str:
    """The moves in ``answer`` as a ``UDLR`` string; raises ValueError with the reason."""
    text = _WORDS.sub(lambda m: m.group(0)[0], answer)
    text = _SEPARATORS.sub("", text).upper()
    bad = next((ch for ch in text if ch not in MOVES), None)
    if bad is not None:
        raise ValueError(f"{bad!r} is not a move (use U, D, L, R)")
    if not text:
        raise ValueError("no moves given")
    return text


def shortest_path(grid: list[str], start: tuple[int, int], goal: tuple[int, int]) -> str | None:
    """One shortest ``UDLR`` path from ``start`` to ``goal``, or None."""
    prev: dict[tuple[int, int], tuple[tuple[int, int], str]] = {}
    queue = deque([start])
    seen = {start}
    while queue:
        here = queue.popleft()
        if here == goal:
            path = []
            while here != start:
                here, move = prev[here]
                path.append(move)
            return "".join(reversed(path))
        for move, (dr, dc) in MOVES.items():
            nxt = (here[0] + dr, here[1] + dc)
            if nxt not in seen and grid[nxt[0]][nxt[1]] != "#":
                seen.add(nxt)
                prev[nxt] = (here, move)
                queue.append(nxt)
    return None


def _carve(rng: random.Random, rows: int, cols: int, loops: float) -> list[list[str]]:
    grid = [["#"] * (2 * cols + 1) for _ in range(2 * rows + 1)]
    start = (rng.randrange(rows), rng.randrange(cols))
    grid[2 * start[0] + 1][2 * start[1] + 1] = "."
    stack, seen = [start], {start}
    while stack:
        r, c = stack[-1]
        options = [
            (r + dr, c + dc)
            for dr, dc in MOVES.values()
            if 0 <= r + dr < rows and 0 <= c + dc < cols and (r + dr, c + dc) not in seen
        ]
        if not options:
            stack.pop()
            continue
        nr, nc = rng.choice(options)
        grid[r + nr + 1][c + nc + 1] = "."
        grid[2 * nr + 1][2 * nc + 1] = "."
        seen.add((nr, nc))
        stack.append((nr, nc))
    inner = [
        (r, c)
        for r in range(1, 2 * rows)
        for c in range(1, 2 * cols)
        if grid[r][c] == "#" and (r % 2) != (c % 2)
    ]
    for r, c in rng.sample(inner, int(len(inner) * loops)):
        grid[r][c] = "."
    return grid


class Maze(Family):
    name = "maze"
    title = "Maze"
    description = "find a path through a grid maze; answer a U/D/L/R move string"
    config_cls = MazeConfig

    def generate(self, rng: random.Random, config: MazeConfig) -> Puzzle:
        cells = _carve(rng, config.rows, config.cols, config.loops)
        start = (2 * rng.randrange(config.rows) + 1, 2 * rng.randrange(config.cols) + 1)
        plain = ["".join(row) for row in cells]
        dist = {start: 0}
        queue = deque([start])
        while queue:
            r, c = queue.popleft()
            for dr, dc in MOVES.values():
                nxt = (r + dr, c + dc)
                if nxt not in dist and plain[nxt[0]][nxt[1]] != "#":
                    dist[nxt] = dist[(r, c)] + 1
                    queue.append(nxt)
        far = max(d for (r, c), d in dist.items() if r % 2 and c % 2)
        goal = min(p for p, d in dist.items() if d == far and p[0] % 2 and p[1] % 2)
        cells[start[0]][start[1]] = "S"
        cells[goal[0]][goal[1]] = "G"
        grid = ["".join(row) for row in cells]
        path = shortest_path(grid, start, goal)
        if path is None:  # carving connects every room; this would be a generator bug
            raise RuntimeError("generated maze has no path from S to G")
        question = (
            "Find a path through this maze from S to G. '#' is a wall; '.', 'S' and 'G' "
            "are open. Each move goes one character up (U), down (D), left (L) or right "
            "(R).\n\n" + "\n".join(grid) + "\n\nAnswer with the moves as one string, "
            "e.g. `RRDDL`."
        )
        return Puzzle(
            question=question,
            reference={
                "grid": grid,
                "start": list(start),
                "goal": list(goal),
                "shortest": len(path),
            },
            answer=path,
            explanation=f"A breadth-first search finds a route of {len(path)} moves.",
            metadata={"shortest": len(path)},
        )

    def check(self, answer: str, reference: Any) -> Score:
        try:
            moves = parse_moves(answer)
        except ValueError as exc:
            return Score.incorrect(f"cannot read the moves: {exc}")
        grid: list[str] = reference["grid"]
        r, c = reference["start"]
        for k, move in enumerate(moves, start=1):
            dr, dc = MOVES[move]
            r, c = r + dr, c + dc
            if not (0 <= r < len(grid) and 0 <= c < len(grid[r])) or grid[r][c] == "#":
                return Score.incorrect(
                    f"move {k} ({move}) runs into a wall at row {r + 1}, column {c + 1}"
                )
        if [r, c] != list(reference["goal"]):
            return Score.incorrect(
                f"the path ends at row {r + 1}, column {c + 1}, not at G "
                f"(row {reference['goal'][0] + 1}, column {reference['goal'][1] + 1})"
            )
        return Score.correct(moves=len(moves), shortest=reference["shortest"])


SPEC, verifier = register_family(Maze)
