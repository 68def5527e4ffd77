"""Word ladders: turn one 4-letter word into another, changing one letter per step.

The dictionary is ``data/words4.txt`` (about 1,100 common English 4-letter words,
shipped with the package); every word of a ladder must be in it. Difficulty is the
length of the shortest ladder (2 to 11 steps). Every puzzle is solvable: the target
is chosen among the words at exactly that breadth-first distance from the start.

The checker accepts *any* valid ladder: with ``shortest=True`` (the default) any
ladder of the shortest length, otherwise any ladder at all (no word repeated). It
names the first word that is not in the list or not one letter away from the last.

Answer format: the words from start to target inclusive, separated by spaces, commas,
arrows (``->``, ``→``) or newlines; case does not matter.
"""

from __future__ import annotations

import itertools
import random
import re
from collections import deque
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any, Self

from m1env.envs.logic.base import Family, FamilyConfig, Puzzle, register_family
from m1env.sources import check_difficulty
from m1env.verifiers import Score

__all__ = ["WordLadder", "WordLadderConfig", "distances", "neighbours", "words"]

_SEPARATORS = re.compile(r"(?:->|=>|→|⟶|[\s,;>])+")


@cache
def words() -> tuple[str, ...]:
    """The dictionary, sorted."""
    text = files("m1env.envs.logic").joinpath("data/words4.txt").read_text(encoding="utf-8")
    return tuple(sorted({w.strip().lower() for w in text.split() if w.strip()}))


@cache
def _graph() -> dict[str, tuple[str, ...]]:
    buckets: dict[str, list[str]] = {}
    for w in words():
        for i in range(len(w)):
            buckets.setdefault(w[:i] + "_" + w[i + 1 :], []).append(w)
    graph: dict[str, list[str]] = {w: [] for w in words()}
    for group in buckets.values():
        for a in group:
            graph[a].extend(b for b in group if b != a)
    return {w: tuple(sorted(set(n))) for w, n in graph.items()}


def neighbours(word: str) -> tuple[str, ...]:
    return _graph().get(word, ())


def distances(start: str) -> dict[str, int]:
    """Breadth-first distance from ``start`` to every reachable word."""
    dist = {start: 0}
    queue = deque([start])
    while queue:
        u = queue.popleft()
        for v in neighbours(u):
            if v not in dist:
                dist[v] = dist[u] + 1
                queue.append(v)
    return dist


@dataclass(frozen=True)
class WordLadderConfig(FamilyConfig):
    steps: int = 6
    shortest: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.steps <= 12:
            raise ValueError(f"steps must be in [1, 12], got {self.steps}")

    @classmethod
    def for_difficulty(cls, difficulty: int) -> Self:
        return cls(steps=check_difficulty(difficulty) + 1)


def _one_apart(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


class WordLadder(Family):
    name = "word_ladder"
    title = "WordLadder"
    description = "change one word into another one letter at a time through real words"
    config_cls = WordLadderConfig

    def generate(self, rng: random.Random, config: WordLadderConfig) -> Puzzle:
        pool = words()
        while True:
            start = rng.choice(pool)
            dist = distances(start)
            targets = sorted(w for w, d in dist.items() if d == config.steps)
            if targets:
                break
        target = rng.choice(targets)
        path = [target]
        while path[-1] != start:  # walk back along decreasing distance, choosing at random
            here = path[-1]
            path.append(rng.choice([w for w in neighbours(here) if dist.get(w) == dist[here] - 1]))
        path.reverse()
        rule = (
            f"in the fewest possible steps ({config.steps} steps are enough and no fewer will do)"
            if config.shortest
            else "in any number of steps, never repeating a word"
        )
        question = (
            f"Turn the word {start.upper()} into {target.upper()} {rule}. Each step changes "
            f"exactly one letter (in place, no reordering), and every word must be a common "
            f"English 4-letter word (no names or abbreviations).\n"
            f"Answer format: the words from {start.upper()} to {target.upper()}, inclusive, "
            f"separated by ` -> `."
        )
        return Puzzle(
            question=question,
            reference={
                "start": start,
                "target": target,
                "steps": config.steps,
                "shortest": config.shortest,
                "solution": path,
            },
            answer=" -> ".join(w.upper() for w in path),
            explanation=f"A breadth-first search from {start.upper()} finds the ladder.",
        )

    def check(self, answer: str, reference: Any) -> Score:
        ladder = [w.lower() for w in _SEPARATORS.split(answer.strip()) if w]
        if not ladder:
            return Score.incorrect("no words found in the answer")
        start, target = reference["start"], reference["target"]
        if ladder[0] != start:
            return Score.incorrect(f"the ladder must start with {start.upper()}")
        if ladder[-1] != target:
            return Score.incorrect(f"the ladder must end with {target.upper()}")
        known = set(words())
        for prev, word in itertools.pairwise(ladder):
            if word not in known:
                return Score.incorrect(f"{word.upper()!r} is not in the word list")
            if not _one_apart(prev, word):
                return Score.incorrect(
                    f"{prev.upper()} -> {word.upper()} does not change exactly one letter"
                )
        if len(set(ladder)) != len(ladder):
            return Score.incorrect("the ladder repeats a word")
        steps = len(ladder) - 1
        if reference["shortest"] and steps != reference["steps"]:
            return Score.incorrect(
                f"the ladder takes {steps} steps; the shortest takes {reference['steps']}"
            )
        return Score.correct(steps=steps)


SPEC, verifier = register_family(WordLadder)
