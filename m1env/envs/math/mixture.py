"""``m1env/Math-v0``: a weighted mixture of the procedural math families.

Item *i* first draws its family from the weights with its own RNG (salted
``mixture``), then is item *i* of that family: a pure function of ``(seed, index,
difficulty)`` like every family, so a given seed always yields the same sequence
of families and problems. ``weights`` maps family names to non-negative weights.
"""

from __future__ import annotations

from typing import Any

from m1env.envs.math.env import MathEnv, load_family
from m1env.registry import EnvSpec
from m1env.sources import Problem, ProceduralSource, item_rng

__all__ = ["DEFAULT_WEIGHTS", "SPEC", "MathMixtureEnv", "MixtureGenerator"]

DEFAULT_WEIGHTS: dict[str, float] = {
    "arithmetic": 0.25,
    "fractions": 0.2,
    "linear": 0.2,
    "quadratic": 0.15,
    "word_problems": 0.2,
}


class MixtureGenerator:
    """A picklable ``(seed, index, difficulty) -> Problem`` drawing a family per item."""

    __name__ = "mixture"

    def __init__(self, weights: dict[str, float] | None = None) -> None:
        weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
        if not weights:
            raise ValueError("weights must name at least one family")
        for name, weight in weights.items():
            load_family(name)  # unknown names fail here, not on some later item
            if isinstance(weight, bool) or not isinstance(weight, int | float):
                raise ValueError(f"weight of {name!r} must be a number, got {weight!r}")
            if not weight >= 0 or weight == float("inf"):
                raise ValueError(f"weight of {name!r} must be finite and >= 0, got {weight}")
        if sum(weights.values()) <= 0:
            raise ValueError("at least one weight must be positive")
        self.names = sorted(weights)  # sorted: the draw must not depend on dict order
        self.weights = [float(weights[n]) for n in self.names]

    def __call__(self, seed: int, index: int, difficulty: int) -> Problem:
        rng = item_rng(seed, index, difficulty, "mixture")
        name = rng.choices(self.names, weights=self.weights)[0]
        return load_family(name).generate(seed, index, difficulty)


class MathMixtureEnv(MathEnv):
    """Every procedural math family in one environment, drawn by ``weights``."""

    def __init__(
        self, seed: int = 0, weights: dict[str, float] | None = None, **kwargs: Any
    ) -> None:
        source = ProceduralSource(MixtureGenerator(weights), seed=seed, name="mixture")
        super().__init__(source, **kwargs)


SPEC = EnvSpec(
    id="m1env/Math-v0",
    entry_point=MathMixtureEnv,
    verifier="math",
    description="procedural math: arithmetic, fractions, linear, quadratic, word problems",
    tags=("math", "procedural"),
)
