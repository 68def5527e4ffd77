"""Where an environment's problems come from: procedural generators and datasets.

A generator is a pure function ``(seed, index, difficulty) -> Problem``; a dataset is
a finite sequence of Problems. Both are wrapped in a :class:`TaskSource`, which the
environment asks for item *i* -- so any worker can regenerate any item.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DatasetSource",
    "Generator",
    "Problem",
    "ProceduralSource",
    "TaskSource",
    "item_rng",
]

MIN_DIFFICULTY, MAX_DIFFICULTY = 1, 10


@dataclass(frozen=True)
class Problem:
    """One problem before it becomes a Task.

    ``solution`` is a complete response that the environment's verifier scores correct
    (a worked solution where the generator can write one); it feeds ``m1env tasks``'
    ``example_response`` and supervised warm starts.
    """

    question: str
    answer: Any
    solution: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


Generator = Callable[[int, int, int], Problem]


def item_rng(seed: int, index: int, difficulty: int = 0, salt: str = "") -> random.Random:
    """A private RNG for one item, a pure function of its coordinates.

    Seeding ``random.Random`` with a string hashes it with SHA-512, so neighbouring
    indices give unrelated streams on every platform and Python version.
    """
    return random.Random(f"{salt}:{seed}:{index}:{difficulty}")


def check_difficulty(difficulty: int) -> int:
    if isinstance(difficulty, bool) or not isinstance(difficulty, int):
        raise ValueError(f"difficulty must be an int, got {difficulty!r}")
    if not MIN_DIFFICULTY <= difficulty <= MAX_DIFFICULTY:
        raise ValueError(
            f"difficulty must be in [{MIN_DIFFICULTY}, {MAX_DIFFICULTY}], got {difficulty}"
        )
    return difficulty


class TaskSource:
    """Problems by index. ``size`` is None for an unbounded procedural source."""

    size: int | None = None
    name: str = "source"

    def problem(self, index: int, difficulty: int) -> Problem:
        raise NotImplementedError


class ProceduralSource(TaskSource):
    """An unbounded source backed by a generator function."""

    def __init__(self, generate: Generator, *, seed: int = 0, name: str | None = None) -> None:
        if not callable(generate):
            raise ValueError("generate must be callable as generate(seed, index, difficulty)")
        self.generate = generate
        self.seed = int(seed)
        self.name = name or str(getattr(generate, "__name__", "procedural"))

    def problem(self, index: int, difficulty: int) -> Problem:
        return self.generate(self.seed, index, check_difficulty(difficulty))


class DatasetSource(TaskSource):
    """A finite list of problems; ``difficulty`` is ignored (it is in the rows' metadata)."""

    def __init__(self, problems: Sequence[Problem], *, name: str = "dataset") -> None:
        if not problems:
            raise ValueError(f"dataset {name!r} has no problems")
        self.problems = list(problems)
        self.size = len(self.problems)
        self.name = name

    def problem(self, index: int, difficulty: int) -> Problem:
        if not 0 <= index < len(self.problems):
            raise IndexError(f"index {index} out of range for {len(self.problems)} problems")
        return self.problems[index]
