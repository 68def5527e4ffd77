"""Fraction arithmetic: ``$\\left(\\frac{1}{2} + \\frac{2}{3}\\right) \\div \\frac{5}{4}$``.

Operations apply left to right (brackets are written where precedence would say
otherwise). Difficulty scales the number of fractions (2 to 4), the largest
denominator (6 to 24), the operators (``+ -``, then ``\\times``, then ``\\div``),
improper fractions (from 4) and negative ones (from 7). The answer is the exact
result in lowest terms (an integer when it is one); the worked solution shows each
common denominator and cancellation.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Self

from m1env.envs.math.env import OPERATORS, MathConfig, MathFamily, check_operators, tex
from m1env.sources import Problem, check_difficulty

__all__ = ["FAMILY", "SPEC", "FractionsConfig", "build"]

_TEX = {"+": "+", "-": "-", "*": "\\times", "/": "\\div"}


@dataclass(frozen=True)
class FractionsConfig(MathConfig):
    min_terms: int = 2
    max_terms: int = 3
    max_denominator: int = 12
    operators: tuple[str, ...] = OPERATORS
    improper: bool = False
    allow_negative: bool = False

    def __post_init__(self) -> None:
        if not 2 <= self.min_terms <= self.max_terms <= 8:
            raise ValueError(f"need 2 <= min_terms <= max_terms <= 8, got {self}")
        if not 2 <= self.max_denominator <= 1000:
            raise ValueError(f"max_denominator must be in [2, 1000], got {self.max_denominator}")
        object.__setattr__(self, "operators", check_operators(self.operators))

    @classmethod
    def for_difficulty(cls, difficulty: int) -> Self:
        d = check_difficulty(difficulty)
        ops = ("+", "-") if d <= 2 else ("+", "-", "*") if d <= 4 else OPERATORS
        terms = 2 if d <= 3 else 3 if d <= 7 else 4
        return cls(
            min_terms=max(2, terms - 1),
            max_terms=terms,
            max_denominator=4 + 2 * d,
            operators=ops,
            improper=d >= 4,
            allow_negative=d >= 7,
        )


def _fraction(rng: random.Random, config: FractionsConfig) -> Fraction:
    while True:
        den = rng.randint(2, config.max_denominator)
        top = den * 2 if config.improper else den - 1
        value = Fraction(rng.randint(1, top), den)
        if value.denominator != 1:  # a fraction problem should show fractions
            break
    if config.allow_negative and rng.random() < 0.3:
        value = -value
    return value


def _show(q: Fraction) -> str:
    text = tex(q)
    return f"\\left({text}\\right)" if q < 0 else text


def _raw(num: int, den: int) -> str:
    """An unreduced fraction as written mid-calculation."""
    if den == 1:
        return str(num)
    sign = "-" if num < 0 else ""
    return f"{sign}\\frac{{{abs(num)}}}{{{den}}}"


def _int(n: int) -> str:
    return f"({n})" if n < 0 else str(n)


def _step(a: Fraction, op: str, b: Fraction) -> tuple[Fraction, str]:
    """The result of ``a op b`` and one line of working."""
    head = f"{_show(a)} {_TEX[op]} {_show(b)}"
    if op in "+-":
        lcd = a.denominator * b.denominator // math.gcd(a.denominator, b.denominator)
        na, nb = a.numerator * (lcd // a.denominator), b.numerator * (lcd // b.denominator)
        num = na + nb if op == "+" else na - nb
        right = _raw(nb, lcd) if nb >= 0 else f"\\left({_raw(nb, lcd)}\\right)"
        work = f"{_raw(na, lcd)} {op} {right} = {_raw(num, lcd)}" if lcd > 1 else ""
        result = Fraction(num, lcd)
        unreduced = (num, lcd)
    else:
        if op == "/":
            b_inv = 1 / b
            work = f"{_show(a)} \\times {_show(b_inv)}"
            b = b_inv
        else:
            work = ""
        num, den = a.numerator * b.numerator, a.denominator * b.denominator
        top = f"{_int(a.numerator)} \\cdot {_int(b.numerator)}"
        product = f"\\frac{{{top}}}{{{a.denominator} \\cdot {b.denominator}}}"
        work = f"{work} = {product}" if work else product
        work += f" = {_raw(num, den)}"
        result = Fraction(num, den)
        unreduced = (num, den)
    line = f"{head} = {work}" if work else head
    if Fraction(*unreduced) == result and (result.numerator, result.denominator) != unreduced:
        line += f" = {tex(result)}"
    return result, line


def build(rng: random.Random, config: FractionsConfig) -> Problem:
    n = rng.randint(config.min_terms, config.max_terms)
    values = [_fraction(rng, config) for _ in range(n)]
    ops = [rng.choice(config.operators) for _ in range(n - 1)]
    expression = _show(values[0])
    additive = False
    lines = ["We work from left to right, keeping every fraction exact."]
    result = values[0]
    for op, value in zip(ops, values[1:], strict=True):
        if op in "*/" and additive:
            expression = f"\\left({expression}\\right)"
        additive = op in "+-"
        expression = f"{expression} {_TEX[op]} {_show(value)}"
        result, line = _step(result, op, value)
        lines.append(f"- ${line}$")
    answer = tex(result)
    lines.append(f"\nIn lowest terms the result is $\\boxed{{{answer}}}$.")
    return Problem(
        question=f"Compute ${expression}$. Give the result as a fraction in lowest terms.",
        answer=answer,
        solution="\n".join(lines),
        metadata={"terms": n},
    )


FAMILY = MathFamily("fractions", FractionsConfig, build)
SPEC = FAMILY.spec("m1env/Math-Fractions-v0", "fraction arithmetic, answers in lowest terms")
