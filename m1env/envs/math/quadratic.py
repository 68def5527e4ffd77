"""Quadratic equations with two distinct rational roots: ``$2x^2 - x - 3 = 0$``.

Difficulty scales the size of the roots (up to ``3 + d``), a common factor in front
(from 3), terms on both sides to move first (from 5) and fractional roots (from 7).
The reference lists both roots in increasing order, ``-2, 3`` (the math verifier
reads a bare list as an unordered set, so ``\\boxed{3, -2}`` and ``x = -2 or x = 3``
score correct too). The worked solution uses the discriminant and the quadratic
formula, then checks the factorisation.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Self

from m1env.envs.math.env import MathConfig, MathFamily, tex
from m1env.sources import Problem, check_difficulty

__all__ = ["FAMILY", "SPEC", "QuadraticConfig", "build", "poly_text"]

VARIABLES = ("x", "x", "x", "t", "y", "z")


@dataclass(frozen=True)
class QuadraticConfig(MathConfig):
    max_root: int = 8
    max_factor: int = 3
    both_sides: bool = False
    rational_roots: bool = False

    def __post_init__(self) -> None:
        if not 2 <= self.max_root <= 1000:
            raise ValueError(f"max_root must be in [2, 1000], got {self.max_root}")
        if not 1 <= self.max_factor <= 20:
            raise ValueError(f"max_factor must be in [1, 20], got {self.max_factor}")

    @classmethod
    def for_difficulty(cls, difficulty: int) -> Self:
        d = check_difficulty(difficulty)
        return cls(
            max_root=3 + d,
            max_factor=1 if d <= 2 else 3 if d <= 6 else 4,
            both_sides=d >= 5,
            rational_roots=d >= 7,
        )


def poly_text(coefficients: list[int], var: str) -> str:
    """``[2, -3, 1]`` -> ``2x^2 - 3x + 1`` (highest power first; zero terms dropped)."""
    degree = len(coefficients) - 1
    out = ""
    for i, c in enumerate(coefficients):
        if c == 0:
            continue
        power = degree - i
        mono = "" if power == 0 else var if power == 1 else f"{var}^{power}"
        mag = abs(c)
        body = f"{mag}{mono}" if (mag != 1 or not mono) else mono
        if not out:
            out = f"-{body}" if c < 0 else body
        else:
            out += f" - {body}" if c < 0 else f" + {body}"
    return out or "0"


def _root(rng: random.Random, config: QuadraticConfig) -> Fraction:
    den = rng.randint(2, 4) if config.rational_roots and rng.random() < 0.5 else 1
    return Fraction(rng.randint(-config.max_root, config.max_root), den)


def _factor(r: Fraction, var: str) -> str:
    """The linear factor with root ``r`` and integer coefficients: ``(2x + 3)``."""
    return f"({poly_text([r.denominator, -r.numerator], var)})"


def build(rng: random.Random, config: QuadraticConfig) -> Problem:
    var = rng.choice(VARIABLES)
    r1 = _root(rng, config)
    r2 = _root(rng, config)
    while r2 == r1:
        r2 = _root(rng, config)
    r1, r2 = sorted((r1, r2))
    k = rng.randint(1, config.max_factor) * rng.choice((1, -1) if config.max_factor > 1 else (1,))
    p1, q1, p2, q2 = r1.denominator, r1.numerator, r2.denominator, r2.numerator
    a, b, c = k * p1 * p2, -k * (p1 * q2 + p2 * q1), k * q1 * q2
    lines: list[str] = []
    if config.both_sides:
        # Move a random linear part to the right-hand side.
        m, n = rng.randint(-9, 9), rng.randint(-9, 9)
        left, right = poly_text([a, b + m, c + n], var), poly_text([m, n], var)
        equation = f"{left} = {right}"
        lines.append(f"Move every term to the left: ${poly_text([a, b, c], var)} = 0$.")
    else:
        equation = f"{poly_text([a, b, c], var)} = 0"
    g = math.gcd(a, b, c) * (1 if a > 0 else -1)
    if g != 1:
        a, b, c = a // g, b // g, c // g
        lines.append(f"Divide both sides by ${g}$: ${poly_text([a, b, c], var)} = 0$.")
    disc = b * b - 4 * a * c
    root = math.isqrt(disc)
    lines.append(
        f"The discriminant is $b^2 - 4ac = ({b})^2 - 4 \\cdot {a} \\cdot ({c}) = {disc} = {root}^2$, "
        "so there are two rational roots."
    )
    lines.append(
        f"By the quadratic formula, ${var} = \\frac{{{-b} \\pm {root}}}{{{2 * a}}}$, "
        f"which gives ${var} = {tex(r1)}$ or ${var} = {tex(r2)}$."
    )
    lines.append(
        f"Check: ${poly_text([a, b, c], var)} = {_factor(r1, var)}{_factor(r2, var)}$"
        + (f" up to the factor ${a // (p1 * p2)}$." if a != p1 * p2 else ".")
    )
    answer = f"{tex(r1)}, {tex(r2)}"
    lines.append(f"\nThe solutions are $\\boxed{{{answer}}}$.")
    if Fraction(-b - root, 2 * a) != r1 or Fraction(-b + root, 2 * a) != r2:
        raise RuntimeError(f"quadratic generator made inconsistent roots for {equation}")
    return Problem(
        question=(f"Find all real solutions of ${equation}$. Give them as a comma-separated list."),
        answer=answer,
        solution="\n".join(lines),
        metadata={"roots": [tex(r1), tex(r2)], "variable": var},
    )


FAMILY = MathFamily("quadratic", QuadraticConfig, build)
SPEC = FAMILY.spec("m1env/Math-Quadratic-v0", "quadratic equations with rational roots")
