"""Linear equations: ``$3(x - 2) + 5 = x + 9$``, and 2x2 systems at high difficulty.

Difficulty scales the coefficients (up to ``3 + 2d``), unknowns on both sides (from
3), brackets to expand (from 5), rational solutions (from 7) and two-variable systems
(from 8, answered as an ordered pair ``(x, y)``). The reference is the solution's
value (``-\\frac{5}{2}``; the math verifier also accepts ``x = -\\frac{5}{2}``); the
worked solution expands, collects terms and divides.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Self

from m1env.envs.math.env import MathConfig, MathFamily, tex
from m1env.sources import Problem, check_difficulty

__all__ = ["FAMILY", "SPEC", "LinearConfig", "build", "linear_text"]

VARIABLES = ("x", "y", "n", "t", "a", "m", "k", "z")


@dataclass(frozen=True)
class LinearConfig(MathConfig):
    max_coefficient: int = 10
    both_sides: bool = True
    brackets: bool = True
    rational_solutions: bool = False
    system_probability: float = 0.0

    def __post_init__(self) -> None:
        if not 2 <= self.max_coefficient <= 1000:
            raise ValueError(f"max_coefficient must be in [2, 1000], got {self.max_coefficient}")
        if not 0.0 <= self.system_probability <= 1.0:
            raise ValueError(f"system_probability must be in [0, 1], got {self.system_probability}")

    @classmethod
    def for_difficulty(cls, difficulty: int) -> Self:
        d = check_difficulty(difficulty)
        return cls(
            max_coefficient=3 + 2 * d,
            both_sides=d >= 3,
            brackets=d >= 5,
            rational_solutions=d >= 7,
            system_probability=0.0 if d < 8 else 0.25 * (d - 7),
        )


def linear_text(coef: Fraction | int, var: str, const: Fraction | int = 0) -> str:
    """``coef·var + const`` as LaTeX: ``3x - 5``, ``-x``, ``\\frac{1}{2}y + 2``."""
    parts: list[str] = []
    if coef:
        c = tex(coef)
        parts.append(var if c == "1" else f"-{var}" if c == "-1" else f"{c}{var}")
    if const or not parts:
        k = tex(const)
        if parts:
            parts.append(f"- {k[1:]}" if k.startswith("-") else f"+ {k}")
        else:
            parts.append(k)
    return " ".join(parts)


def _nonzero(rng: random.Random, bound: int) -> int:
    return rng.choice([k for k in range(-bound, bound + 1) if k])


def _bracket(a: int, var: str, p: int) -> str:
    inner = linear_text(1, var, p)
    return f"{a}({inner})" if a not in (1, -1) else f"({inner})" if a == 1 else f"-({inner})"


def _single(rng: random.Random, config: LinearConfig) -> Problem:
    m = config.max_coefficient
    var = rng.choice(VARIABLES)
    den = rng.randint(2, 6) if config.rational_solutions and rng.random() < 0.6 else 1
    x0 = Fraction(rng.randint(-m, m), den)
    k = _nonzero(rng, max(1, m // den)) * x0.denominator  # a - c, so k·x0 is an integer
    c = rng.randint(-m, m) if config.both_sides else 0
    while c + k == 0:  # keep an unknown term on the left
        c = rng.randint(-m, m)
    a = c + k
    lines: list[str] = []
    if config.brackets:
        p, s, r = _nonzero(rng, m), _nonzero(rng, m), rng.randint(-m, m)
        t = a * (x0 + p) + r - c * (x0 - s)
        left = _bracket(a, var, p) + (f" {'+' if r >= 0 else '-'} {abs(r)}" if r else "")
        right_bracket = _bracket(c, var, -s) if c else ""
        right = f"{right_bracket} {'+' if t >= 0 else '-'} {tex(abs(t))}" if c else tex(t)
        if c and not t:
            right = right_bracket
        equation = f"{left} = {right}"
        b, d = a * p + r, t - c * s
        expanded = f"{linear_text(a, var, b)} = {linear_text(c, var, d)}"
        lines.append(f"Expand the brackets and combine constants: ${expanded}$.")
    else:
        b = rng.randint(-m, m)
        d = b + k * x0
        equation = f"{linear_text(a, var, b)} = {linear_text(c, var, d)}"
    lines.append(
        f"Collect the ${var}$ terms on the left and the constants on the right: "
        f"${linear_text(a - c, var)} = {tex(d - b)}$."
    )
    if Fraction(d - b) / k != x0:
        raise RuntimeError(f"linear generator made an inconsistent equation: {equation}")
    if k != 1:
        lines.append(f"Divide both sides by ${k}$: ${var} = {tex(x0)}$.")
    answer = tex(x0)
    lines.append(f"\nSo ${var} = \\boxed{{{answer}}}$.")
    return Problem(
        question=f"Solve for ${var}$: ${equation}$.",
        answer=answer,
        solution="\n".join(lines),
        metadata={"kind": "equation", "variable": var},
    )


def _p(n: int) -> str:
    return f"({n})" if n < 0 else str(n)


def _system(rng: random.Random, config: LinearConfig) -> Problem:
    m = max(3, config.max_coefficient // 2)
    x0, y0 = rng.randint(-m, m), rng.randint(-m, m)
    while True:
        a1, b1, a2, b2 = (_nonzero(rng, m) for _ in range(4))
        det = a1 * b2 - a2 * b1
        if det:
            break
    c1, c2 = a1 * x0 + b1 * y0, a2 * x0 + b2 * y0

    def side(a: int, b: int) -> str:
        y_term = linear_text(b, "y")
        return f"{linear_text(a, 'x')} {'- ' + y_term[1:] if y_term.startswith('-') else '+ ' + y_term}"

    eq1, eq2 = f"{side(a1, b1)} = {c1}", f"{side(a2, b2)} = {c2}"
    lines = [
        "Eliminate $y$: multiply the first equation by "
        f"${b2}$ and the second by ${b1}$, then subtract.",
        f"$({a1} \\cdot {_p(b2)} - {_p(a2)} \\cdot {_p(b1)})x = "
        f"{c1} \\cdot {_p(b2)} - {_p(c2)} \\cdot {_p(b1)}$, "
        f"so ${det}x = {c1 * b2 - c2 * b1}$ and $x = {x0}$.",
        f"Substitute into the first equation: ${b1}y = {c1} - ({a1})({x0}) = {c1 - a1 * x0}$, "
        f"so $y = {y0}$.",
        f"\nThe solution is $(x, y) = \\boxed{{({x0}, {y0})}}$.",
    ]
    return Problem(
        question=(
            f"Solve the system of equations $\\begin{{cases}} {eq1} \\\\ {eq2} \\end{{cases}}$. "
            "Give the answer as an ordered pair $(x, y)$."
        ),
        answer=f"({x0}, {y0})",
        solution="\n".join(lines),
        metadata={"kind": "system"},
    )


def build(rng: random.Random, config: LinearConfig) -> Problem:
    if rng.random() < config.system_probability:
        return _system(rng, config)
    return _single(rng, config)


FAMILY = MathFamily("linear", LinearConfig, build)
SPEC = FAMILY.spec("m1env/Math-Linear-v0", "linear equations and 2x2 linear systems")
