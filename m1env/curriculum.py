"""Adaptive difficulty: keep the recent success rate inside a target band.

Any procedural :class:`~m1env.env.TaskEnv` takes a ``curriculum`` option (a
:class:`CurriculumConfig` or its fields as a dict)::

    env = m1env.make("m1env/Sudoku-v0", curriculum={"target": [0.3, 0.7], "window": 32, "start": 3})

The controller holds the current difficulty and the outcomes (correct or not) of the
last ``window`` episodes played *at that difficulty*. Once the window is full it is
judged after every episode: a success rate above ``target[1]`` steps the difficulty
up by ``step``, one below ``target[0]`` steps it down, both clamped to
``[min_difficulty, max_difficulty]`` (within 1..10); a change clears the window so the
new level is judged on its own episodes. Outcomes of episodes at another difficulty
(an explicit ``reset(options={"difficulty": d})``, or a stale episode after a change)
and scores with status ``error`` (an infrastructure failure says nothing about the
policy) are ignored.

The controller is deterministic: the same sequence of outcomes always gives the same
sequence of difficulties. It is plain data, so the environment stays picklable; a
pickled copy continues from the same state. The environment records the difficulty
of every episode in the task's ``metadata["difficulty"]``, and ``step`` reports it as
``info["difficulty"]`` with the controller's state in ``info["curriculum"]``.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from m1env.sources import MAX_DIFFICULTY, MIN_DIFFICULTY

__all__ = ["Curriculum", "CurriculumConfig"]


@dataclass(frozen=True)
class CurriculumConfig:
    """Knobs of the controller; see the module docstring. Invalid values raise ValueError."""

    target: tuple[float, float] = (0.3, 0.7)
    window: int = 32
    start: int = 3
    step: int = 1
    min_difficulty: int = MIN_DIFFICULTY
    max_difficulty: int = MAX_DIFFICULTY

    def __post_init__(self) -> None:
        target = self.target
        if isinstance(target, str | bytes) or not hasattr(target, "__len__") or len(target) != 2:
            raise ValueError(f"target must be a pair [low, high], got {target!r}")
        low, high = (float(x) for x in target)
        if not (math.isfinite(low) and math.isfinite(high) and 0.0 <= low < high <= 1.0):
            raise ValueError(f"target must satisfy 0 <= low < high <= 1, got {target!r}")
        object.__setattr__(self, "target", (low, high))
        for name in ("window", "start", "step", "min_difficulty", "max_difficulty"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be an int, got {value!r}")
        if self.window < 1:
            raise ValueError(f"window must be at least 1, got {self.window}")
        if self.step < 1:
            raise ValueError(f"step must be at least 1, got {self.step}")
        if not MIN_DIFFICULTY <= self.min_difficulty <= self.max_difficulty <= MAX_DIFFICULTY:
            raise ValueError(
                f"need {MIN_DIFFICULTY} <= min_difficulty <= max_difficulty <= {MAX_DIFFICULTY}, "
                f"got {self.min_difficulty} and {self.max_difficulty}"
            )
        if not self.min_difficulty <= self.start <= self.max_difficulty:
            raise ValueError(
                f"start must be in [{self.min_difficulty}, {self.max_difficulty}], got {self.start}"
            )

    @classmethod
    def from_value(cls, value: CurriculumConfig | Mapping[str, Any]) -> CurriculumConfig:
        """A config from itself or a mapping of its fields (unknown keys raise ValueError)."""
        if isinstance(value, CurriculumConfig):
            return value
        if not isinstance(value, Mapping):
            raise ValueError(
                f"curriculum must be a CurriculumConfig or a dict, got {type(value).__name__}"
            )
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"unknown curriculum options {unknown}; known: {sorted(known)}")
        return cls(**dict(value))


class Curriculum:
    """The controller: ``difficulty`` now, ``record(outcome)`` after each episode."""

    def __init__(self, config: CurriculumConfig | Mapping[str, Any] | None = None) -> None:
        self.config = CurriculumConfig.from_value(config or {})
        self.difficulty = self.config.start
        self.outcomes: deque[bool] = deque(maxlen=self.config.window)
        self.changes = 0

    @property
    def success_rate(self) -> float | None:
        """The success rate over the current window, or None before any outcome."""
        return sum(self.outcomes) / len(self.outcomes) if self.outcomes else None

    def record(self, success: bool, difficulty: int | None = None) -> int:
        """Count one outcome (played at ``difficulty``; None means the current one).

        Returns the difficulty for the next episode.
        """
        if difficulty is not None and difficulty != self.difficulty:
            return self.difficulty
        self.outcomes.append(bool(success))
        if len(self.outcomes) < self.config.window:
            return self.difficulty
        rate = sum(self.outcomes) / len(self.outcomes)
        low, high = self.config.target
        new = self.difficulty
        if rate > high:
            new = min(self.difficulty + self.config.step, self.config.max_difficulty)
        elif rate < low:
            new = max(self.difficulty - self.config.step, self.config.min_difficulty)
        if new != self.difficulty:
            self.difficulty = new
            self.outcomes.clear()
            self.changes += 1
        return self.difficulty

    def state(self) -> dict[str, Any]:
        """A JSON-ready snapshot (for ``info`` and logs)."""
        return {
            "difficulty": self.difficulty,
            "window": len(self.outcomes),
            "success_rate": self.success_rate,
            "changes": self.changes,
        }

    def __repr__(self) -> str:
        return f"Curriculum(difficulty={self.difficulty}, success_rate={self.success_rate})"
