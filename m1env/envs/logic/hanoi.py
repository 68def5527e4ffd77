"""Tower of Hanoi: list the moves that gather the disks into a tower on one peg.

Difficulty sets the number of disks (2 at difficulty 1 up to 10 at 9-10) and, from
difficulty 4, starts from a random *scattered* legal position (disks spread over the
pegs, each peg in size order) instead of a single tower; the target peg is random.
The reference is the classic greedy recursion -- for the largest disk not yet on the
target, park the smaller disks on the third peg, move it, continue -- which is the
unique shortest solution from any legal position to a tower (for a single tower it
has ``2**n - 1`` moves).

Answer format: moves separated by commas, spaces or new lines, each written
``A->C`` (also ``A C``, ``AC``, ``A to C``, ``A→C``; case-insensitive). The checker
replays the moves: each must take the top disk of a non-empty peg and put it on an
empty peg or a larger disk, and at the end every disk must be on the target peg. With
``minimal=True`` (the default) the sequence must also be as short as the optimum;
with ``minimal=False`` any legal solving sequence is accepted.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any, Self

from m1env.envs.logic.base import Family, FamilyConfig, Puzzle, register_family
from m1env.sources import check_difficulty
from m1env.verifiers import Score

__all__ = ["PEGS", "Hanoi", "HanoiConfig", "parse_moves", "solve"]

PEGS = "ABC"
_MOVE = re.compile(r"([ABC])\s*(?:->|→|=>|-|>|to|\s)?\s*([ABC])", re.IGNORECASE)
_SEPARATORS = re.compile(r"^[\s,;.\n]*$")


@dataclass(frozen=True)
class HanoiConfig(FamilyConfig):
    disks: int = 5
    scattered: bool = False
    minimal: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.disks <= 12:
            raise ValueError(f"disks must be in [1, 12], got {self.disks}")
        for name in ("scattered", "minimal"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be a bool, got {getattr(self, name)!r}")

    @classmethod
    def for_difficulty(cls, difficulty: int) -> Self:
        d = check_difficulty(difficulty)
        return cls(disks=min(1 + d, 10), scattered=d >= 4)


def solve(position: dict[str, list[int]], target: str) -> list[tuple[str, str]]:
    """The shortest move list from ``position`` (peg -> disks, bottom first) to a tower
    of every disk on ``target``."""
    where = {disk: peg for peg, disks in position.items() for disk in disks}
    moves: list[tuple[str, str]] = []

    def gather(k: int, peg: str) -> None:  # put disks 1..k on ``peg``
        if k == 0:
            return
        if where[k] == peg:
            gather(k - 1, peg)
            return
        spare = next(p for p in PEGS if p not in (where[k], peg))
        gather(k - 1, spare)
        moves.append((where[k], peg))
        where[k] = peg
        gather(k - 1, peg)

    gather(len(where), target)
    return moves


def _describe(position: dict[str, list[int]]) -> str:
    return "\n".join(
        f"Peg {p}: {', '.join(map(str, position[p])) if position[p] else 'empty'}" for p in PEGS
    )


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
        n = config.disks
        target = rng.choice(PEGS)
        position: dict[str, list[int]] = {p: [] for p in PEGS}
        if config.scattered:
            for disk in range(n, 0, -1):
                position[rng.choice(PEGS)].append(disk)
            if len(position[target]) == n:  # already solved: move the tower elsewhere
                position = {p: [] for p in PEGS}
                position[rng.choice([p for p in PEGS if p != target])] = list(range(n, 0, -1))
        else:
            source = rng.choice([p for p in PEGS if p != target])
            position[source] = list(range(n, 0, -1))
        moves = solve(position, target)
        rule = (
            f"using the fewest possible moves ({len(moves)})"
            if config.minimal
            else "in any number of legal moves"
        )
        question = (
            f"Tower of Hanoi with pegs A, B and C and {n} disks, numbered 1 (smallest) to "
            f"{n} (largest). The disks on each peg, listed bottom to top:\n\n"
            f"{_describe(position)}\n\nMove every disk onto peg {target} {rule}. Each move "
            "takes the top disk of one peg and puts it on another peg that is empty or whose "
            "top disk is larger.\n\nAnswer with the moves in order, separated by commas, "
            "each written like A->C."
        )
        return Puzzle(
            question=question,
            reference={
                "disks": n,
                "start": position,
                "target": target,
                "optimal": len(moves),
                "minimal": config.minimal,
            },
            answer=", ".join(f"{a}->{b}" for a, b in moves),
            explanation="For the largest disk not yet on the target, park the smaller disks "
            "on the third peg, move it, and repeat.",
            metadata={"moves": len(moves)},
        )

    def check(self, answer: str, reference: Any) -> Score:
        try:
            moves = parse_moves(answer)
        except ValueError as exc:
            return Score.incorrect(f"cannot read the moves: {exc}")
        n, target = reference["disks"], reference["target"]
        pegs: dict[str, list[int]] = {p: list(reference["start"][p]) for p in PEGS}
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
        best = reference["optimal"]
        if reference.get("minimal", True) and len(moves) != best:
            return Score.incorrect(f"solved in {len(moves)} moves, but the minimum is {best}")
        return Score.correct(moves=len(moves))


SPEC, verifier = register_family(Hanoi)
