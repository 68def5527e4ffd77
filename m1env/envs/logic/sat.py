"""Boolean satisfiability: find an assignment that satisfies a random k-CNF formula.

Difficulty raises the number of variables and the clause-to-variable ratio towards the
3-SAT threshold (about 4.27), where random formulas are hardest. Every formula is
satisfiable by construction: the generator plants an assignment and redraws any clause
it would falsify. The checker accepts *any* satisfying assignment -- not only the
planted one -- and names the first clause the answer falsifies.

Answer format: ``x1=1, x2=0, ...`` (``true``/``false``, ``T``/``F`` also work; ``:``
works as well as ``=``; pairs separated by commas, spaces or newlines), or DIMACS-style
signed literals ``1 -2 3 ...``. Every variable must be assigned exactly once.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from typing import Any, Self

from m1env.envs.logic.base import Family, FamilyConfig, Puzzle, register_family
from m1env.sources import check_difficulty
from m1env.verifiers import Score

__all__ = ["PlantedCnf", "Sat", "SatConfig", "format_clause", "parse_assignment", "planted_cnf"]

_PAIR = re.compile(r"x?\s*(\d+)\s*(?:=|:|->|→)\s*(true|false|t|f|1|0)\b", re.IGNORECASE)
_LITERAL = re.compile(r"[+-]?\d+")


@dataclass(frozen=True)
class SatConfig(FamilyConfig):
    variables: int = 10
    clause_ratio: float = 3.5
    k: int = 3

    def __post_init__(self) -> None:
        if not 2 <= self.variables <= 200:
            raise ValueError(f"variables must be in [2, 200], got {self.variables}")
        if not 2 <= self.k <= min(6, self.variables):
            raise ValueError(f"k must be in [2, min(6, variables)], got {self.k}")
        if not 0.5 <= self.clause_ratio <= 10:
            raise ValueError(f"clause_ratio must be in [0.5, 10], got {self.clause_ratio}")

    @classmethod
    def for_difficulty(cls, difficulty: int) -> Self:
        d = check_difficulty(difficulty)
        return cls(variables=3 + 2 * d, clause_ratio=round(3.0 + 0.13 * d, 2), k=3)


@dataclass(frozen=True)
class PlantedCnf:
    """A k-CNF formula over x1..xn and the assignment it was built to satisfy."""

    variables: int
    clauses: list[list[int]]  # signed literals (``-v`` negates ``xv``), sorted by variable
    planted: list[bool]

    def reference(self) -> dict[str, Any]:
        """The ``logic/sat`` checker's reference: it accepts any model of ``clauses``."""
        return {
            "variables": self.variables,
            "clauses": self.clauses,
            "solution": [int(v) for v in self.planted],
        }


def planted_cnf(
    rng: random.Random, variables: int, clauses: int, k: int, *, distinct: bool = False
) -> PlantedCnf:
    """A random satisfiable k-CNF formula: the one generator behind ``m1env/Sat-v0`` and the
    trainer's toy 2-SAT environment.

    It plants a uniform assignment, then draws each clause as ``k`` distinct variables with a
    sign each, redrawing a clause the assignment falsifies (and, if ``distinct``, one already
    in the formula). The draw order is part of the tasks' identity: changing it changes every
    ``m1env/Sat-v0`` item, so it needs a version bump.
    """
    if not 1 <= k <= variables:
        raise ValueError(f"k must be in [1, {variables}], got {k}")
    # each k-subset of variables has 2**k - 1 sign patterns the planted assignment satisfies
    if distinct and clauses > math.comb(variables, k) * (2**k - 1):
        raise ValueError(f"no {clauses} distinct satisfied {k}-clauses over {variables} variables")
    planted = [rng.random() < 0.5 for _ in range(variables)]
    formula: list[list[int]] = []
    while len(formula) < clauses:
        chosen = rng.sample(range(1, variables + 1), k)
        clause = sorted((v if rng.random() < 0.5 else -v for v in chosen), key=abs)
        satisfied = any(planted[abs(lit) - 1] == (lit > 0) for lit in clause)
        if satisfied and not (distinct and clause in formula):
            formula.append(clause)
    return PlantedCnf(variables=variables, clauses=formula, planted=planted)


def format_clause(clause: list[int]) -> str:
    return "(" + " OR ".join(f"x{v}" if v > 0 else f"NOT x{-v}" for v in clause) + ")"


def parse_assignment(text: str, variables: int) -> list[bool]:
    """Values of x1..xn from ``x1=1`` pairs or signed literals; ValueError says why not."""
    found: dict[int, bool] = {}

    def put(var: int, value: bool) -> None:
        if not 1 <= var <= variables:
            raise ValueError(f"x{var} is not a variable (they are x1..x{variables})")
        if var in found:
            raise ValueError(f"x{var} is assigned twice")
        found[var] = value

    pairs = _PAIR.findall(text)
    if pairs:
        if re.search(r"\d", _PAIR.sub(" ", text)):
            raise ValueError("found numbers outside 'x<i>=<value>' pairs")
        for var, value in pairs:
            put(int(var), value.lower() in ("true", "t", "1"))
    else:
        literals = _LITERAL.findall(text)
        if not literals:
            raise ValueError("no assignment found: write x1=1, x2=0, ... or 1 -2 ...")
        for lit in literals:
            value = int(lit)
            if value == 0:
                continue  # DIMACS line terminator
            put(abs(value), value > 0)
    missing = [v for v in range(1, variables + 1) if v not in found]
    if missing:
        raise ValueError(f"variables {', '.join(f'x{v}' for v in missing[:10])} are not assigned")
    return [found[v] for v in range(1, variables + 1)]


class Sat(Family):
    name = "sat"
    title = "Sat"
    description = "find a satisfying assignment of a random k-CNF formula"
    config_cls = SatConfig

    def generate(self, rng: random.Random, config: SatConfig) -> Puzzle:
        n = config.variables
        cnf = planted_cnf(rng, n, max(1, round(config.clause_ratio * n)), config.k)
        formula = " AND\n".join(format_clause(c) for c in cnf.clauses)
        question = (
            f"Find values (1 = true, 0 = false) for the variables x1 to x{n} that make this "
            f"formula true:\n{formula}\n"
            f"Any satisfying assignment is accepted.\n"
            f"Answer format: every variable once, e.g. `x1=1, x2=0, x3=1`."
        )
        answer = ", ".join(f"x{i + 1}={int(v)}" for i, v in enumerate(cnf.planted))
        return Puzzle(
            question=question,
            reference=cnf.reference(),
            answer=answer,
            explanation="Propagate unit clauses and backtrack on conflicts (DPLL).",
            metadata={"clauses": len(cnf.clauses)},
        )

    def check(self, answer: str, reference: Any) -> Score:
        try:
            values = parse_assignment(answer, reference["variables"])
        except ValueError as exc:
            return Score.incorrect(f"cannot read the assignment: {exc}")
        for i, clause in enumerate(reference["clauses"], start=1):
            if not any(values[abs(lit) - 1] == (lit > 0) for lit in clause):
                return Score.incorrect(f"clause {i} {format_clause(clause)} is false")
        return Score.correct()


SPEC, verifier = register_family(Sat)
