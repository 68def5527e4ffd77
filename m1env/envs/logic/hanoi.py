"""Tower of Hanoi: list the moves that carry a tower from one peg to another.

Difficulty sets the number of disks (2 at difficulty 1 up to 10 at 10; the minimal
solution has ``2**n - 1`` moves); the source and target pegs are drawn at random.
The reference solution is the classic recursion.

Answer format: moves separated by commas, spaces or new lines, each written
``A->C`` (also ``A C``, ``AC``, ``A to C``, ``A→C``; case-insensitive). The checker
replays the moves: each must take the top disk of a non-empty peg and put it on an
empty peg or a larger disk, and at the end every disk must be on the target peg. With
``minimal=True`` (the default) the sequence must also have exactly ``2**n - 1``
moves -- which, for a legal sequence that solves the puzzle, makes it the unique
optimal one; with ``minimal=False`` any legal solving sequence is accepted.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any, Self

from m1env.envs.logic.base import Family, FamilyConfig, Puzzle, register_family
from m1env.sources import check_difficulty
from verifiers import Score

__all__ = ["PEGS", "Hanoi", "HanoiConfig", "parse_moves", "solve"]

PEGS = "ABC"
_MOVE = re.compile(r"([ABC])\s*(?:->|→|=>|-|>|to|\s)?\s*([ABC])", re.IGNORECASE)
_SEPARATORS = re.compile(r"^[\s,;.\n]*$")


@dataclass(frozen=True)
class HanoiConfig(FamilyConfig):
    disks: int = 5
    minimal: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.disks <= 12:
            raise ValueError(f"disks must be in [1, 12], got {self.disks}")
        if not isinstance(self.minimal, bool):
            raise ValueError(f"minimal must be a bool, got {self.minimal!r}")

    @classmethod
    def for_difficulty(cls, difficulty: int) -> Self:
        d = check_difficulty(difficulty)
        return cls(disks=min(1 + d, 10))


def solve(disks: int, source: str, target: str) -> list[tuple[str, str]]:
    """The minimal move list for ``disks`` disks from ``source`` to ``target``."""
    spare = next(p for p in PEGS if p not in (source, target))
    if disks == 0:
        return []
    return [
        *solve(disks - 1, source, spare),
        (source, target),
        *solve(disks - 1, spare, target),
    ]


def parse_moves(answer: str) -> list[tuple[str, str]]:
    """The moves in ``answer``; raises ValueError naming the first unreadable text."""
    moves: list[tuple[str, str]] = []
    pos = 0
    for match in _MOVE.finditer(answer):
        gap = answer[pos : match.start()]
        if not _SEPARATORS.match(gap):
            raise ValueError(f"cannot read {gap.strip()[:40]!r} (expected moves like A->C)")
        moves.append((match.group(1).upper(), match.group(2).upper()))
        pos = match.end()
    if not _SEPARATORS.match(answer[pos:]):
        raise ValueError(f"cannot read {answer[pos:].strip()[:40]!r} (expected moves like A->C)")
    if not moves:
        raise ValueError("no moves given")
    return moves


class Hanoi(Family):
    name = "hanoi"
    title = "Hanoi"
    description = "Tower of Hanoi: list the moves that transfer the tower"
    config_cls = HanoiConfig

    def generate(self, rng: random.Random, config: HanoiConfig) -> Puzzle:
        source, target = rng.sample(PEGS, 2)
        n = config.disks
        moves = solve(n, source, target)
        rule = (
            f"using the fewest possible moves ({len(moves)})"
            if config.minimal
            else "in any number of legal moves"
        )
        question = (
            f"Tower of Hanoi: pegs A, B and C. Peg {source} holds {n} disks, numbered 1 "
            f"(smallest) to {n} (largest), largest at the bottom; the other pegs are empty. "
            f"Move the whole tower to peg {target} {rule}. Each move takes the top disk of "
            "one peg and puts it on another peg that is empty or whose top disk is larger.\n\n"
            "Answer with the moves in order, separated by commas, each written like A->C."
        )
        return Puzzle(
            question=question,
            reference={"disks": n, "source": source, "target": target, "minimal": config.minimal},
            answer=", ".join(f"{a}->{b}" for a, b in moves),
            explanation=f"Move {n - 1} disks to the spare peg, the largest to {target}, "
            f"then the {n - 1} disks on top of it.",
            metadata={"moves": len(moves)},
        )

    def check(self, answer: str, reference: Any) -> Score:
        try:
            moves = parse_moves(answer)
        except ValueError as exc:
            return Score.incorrect(f"cannot read the moves: {exc}")
        n, target = reference["disks"], reference["target"]
        pegs: dict[str, list[int]] = {p: [] for p in PEGS}
        pegs[reference["source"]] = list(range(n, 0, -1))
        for k, (a, b) in enumerate(moves, start=1):
            if a == b:
                return Score.incorrect(f"move {k} ({a}->{b}) does not change pegs")
            if not pegs[a]:
                return Score.incorrect(f"move {k} ({a}->{b}) takes from an empty peg {a}")
            disk = pegs[a][-1]
            if pegs[b] and pegs[b][-1] < disk:
                return Score.incorrect(
                    f"move {k} ({a}->{b}) puts disk {disk} on the smaller disk {pegs[b][-1]}"
                )
            pegs[b].append(pegs[a].pop())
        if len(pegs[target]) != n:
            return Score.incorrect(
                f"after {len(moves)} moves peg {target} holds {len(pegs[target])} of {n} disks"
            )
        best = 2**n - 1
        if reference.get("minimal", True) and len(moves) != best:
            return Score.incorrect(f"solved in {len(moves)} moves, but the minimum is {best}")
        return Score.correct(moves=len(moves))


SPEC, verifier = register_family(Hanoi)
