"""``m1env/Logic-v0``: a weighted mixture over every logic family.

The families are discovered from the ``m1env.verifiers`` entry points named
``logic/<family>`` (so a plugin's family joins the mixture once installed); the
default weights are uniform. ``weights={"sudoku": 2, "maze": 1}`` restricts and
reweights (a weight of 0 drops a family; unknown names raise ValueError)::

    env = m1env.make("m1env/Logic-v0", weights={"sudoku": 2, "zebra": 1})

Item *i* picks its family with a private RNG of ``(seed, index)`` -- not of the
difficulty, so a curriculum changes how hard item *i* is, not what it is -- and then
is exactly item *i* of that family (``generate_problem``), so the mixture is
deterministic per seed and reproducible family by family. ``metadata["family"]`` names
the family.

Routing: a mixture task's reference is ``{"family": name, "reference": <the family's
own reference>}``. The ``logic`` verifier reads ``family`` and hands the response and
the inner reference to ``logic/<family>``'s checker -- one verifier for any logic task,
with no per-source switch. The per-family ids (``m1env/Sudoku-v0`` ...) keep their
plain references and their own ``logic/<family>`` verifiers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import Any

from m1env.env import SingleTurnEnv
from m1env.envs.logic.base import LogicVerifier, generate_problem, load_family
from m1env.registry import EnvSpec
from m1env.sources import Problem, ProceduralSource, item_rng
from m1env.verifiers import ENTRY_POINT_GROUP, Score, Verifier

__all__ = [
    "SPEC",
    "LogicMixtureEnv",
    "MixtureGenerator",
    "RoutingVerifier",
    "discover_families",
    "verifier",
]


def discover_families() -> list[str]:
    """The family names of the installed ``logic/<family>`` verifier entry points."""
    names = {
        ep.name.split("/", 1)[1]
        for ep in entry_points(group=ENTRY_POINT_GROUP)
        if ep.name.startswith("logic/")
    }
    return sorted(names)


def _check_weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    if weights is None:
        found = discover_families()
        if not found:
            raise ValueError("no logic families are installed (no 'logic/*' verifier entry points)")
        return dict.fromkeys(found, 1.0)
    if not isinstance(weights, Mapping):
        raise ValueError(
            f"weights must be a dict of family -> weight, got {type(weights).__name__}"
        )
    checked: dict[str, float] = {}
    for name, weight in sorted(weights.items()):
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise ValueError(f"weight of {name!r} must be a number, got {weight!r}")
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(f"weight of {name!r} must be finite and >= 0, got {weight}")
        load_family(name)  # raises ValueError for an unknown family
        if weight > 0:
            checked[name] = float(weight)
    if not checked:
        raise ValueError("weights must give at least one family a positive weight")
    return checked


class MixtureGenerator:
    """A picklable ``(seed, index, difficulty) -> Problem`` over weighted families."""

    __name__ = "logic"

    def __init__(self, weights: Mapping[str, float] | None = None) -> None:
        self.weights = _check_weights(weights)
        self._names = list(self.weights)
        total = sum(self.weights.values())
        running, self._cumulative = 0.0, []
        for name in self._names:
            running += self.weights[name] / total
            self._cumulative.append(running)

    def family(self, seed: int, index: int) -> str:
        """The family of item ``index``."""
        u = item_rng(seed, index, 0, "logic-mixture").random()
        for name, edge in zip(self._names, self._cumulative, strict=True):
            if u < edge:
                return name
        return self._names[-1]  # u within rounding of 1.0

    def __call__(self, seed: int, index: int, difficulty: int) -> Problem:
        family = self.family(seed, index)
        inner = generate_problem(family, seed, index, difficulty)
        return Problem(
            question=inner.question,
            answer={"family": family, "reference": inner.answer},
            solution=inner.solution,
            metadata=dict(inner.metadata),
        )


class LogicMixtureEnv(SingleTurnEnv):
    """Single-turn tasks drawn from the weighted family mixture (see the module docstring)."""

    def __init__(
        self, seed: int = 0, weights: Mapping[str, float] | None = None, **kwargs: Any
    ) -> None:
        source = ProceduralSource(MixtureGenerator(weights), seed=seed, name="logic")
        super().__init__(source, **kwargs)


class RoutingVerifier(Verifier):
    """``logic``: scores ``{"family", "reference"}`` with that family's checker."""

    name = "logic"
    description = "any logic-puzzle task; the reference names its family"
    isolate = True
    timeout = 10.0

    def check(self, response: str, reference: Any, *args: Any, **options: Any) -> Score:
        if not isinstance(reference, dict) or not isinstance(reference.get("family"), str):
            return Score.error(
                "reference must be {'family': <logic family>, 'reference': <its reference>}"
            )
        if "reference" not in reference:
            return Score.error("reference has no 'reference' field for the family's checker")
        try:
            load_family(reference["family"])
        except ValueError as exc:
            return Score.error(str(exc))
        score = LogicVerifier(reference["family"]).check(response, reference["reference"])
        return Score(
            score.score,
            score.status,
            score.reason,
            {**score.details, "family": reference["family"]},
        )


SPEC = EnvSpec(
    id="m1env/Logic-v0",
    entry_point=LogicMixtureEnv,
    verifier="logic",
    description="weighted mixture over every installed logic-puzzle family",
    tags=("logic",),
)


def verifier() -> RoutingVerifier:
    return RoutingVerifier()
