"""Countdown / 24-game: combine the given numbers with + - * / to hit the target.

Difficulty raises the count of numbers, their range and the target range. Every
generated puzzle is solvable: the generator builds it from a random expression tree
and keeps that expression as the known solution. The checker accepts any expression
that uses each given number exactly once (in any order, with any parentheses) and
evaluates exactly -- in rationals, no float rounding -- to the target.
"""

from __future__ import annotations

import ast
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Self

from m1env.envs.logic.base import Family, FamilyConfig, Puzzle, register_family
from m1env.sources import check_difficulty
from m1env.verifiers import Score

__all__ = ["Countdown", "CountdownConfig", "evaluate"]

_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


@dataclass(frozen=True)
class CountdownConfig(FamilyConfig):
    count: int = 4
    max_number: int = 13
    max_target: int = 100

    def __post_init__(self) -> None:
        if not 2 <= self.count <= 8:
            raise ValueError(f"count must be in [2, 8], got {self.count}")
        if not 2 <= self.max_number <= 1000:
            raise ValueError(f"max_number must be in [2, 1000], got {self.max_number}")
        if self.max_target < 1:
            raise ValueError(f"max_target must be positive, got {self.max_target}")

    @classmethod
    def for_difficulty(cls, difficulty: int) -> Self:
        d = check_difficulty(difficulty)
        return cls(count=2 + (d + 1) // 2, max_number=9 + 4 * d, max_target=20 * d * d)


def evaluate(expression: str) -> tuple[Fraction, list[int]]:
    """Exact value of an arithmetic expression and the integer literals it uses.

    Only integer literals, + - * / and parentheses are allowed (parsed with ``ast``,
    never ``eval``). Raises ValueError with the reason otherwise.
    """
    text = expression.replace("×", "*").replace("÷", "/").replace("−", "-").strip()
    if len(text) > 500:
        raise ValueError("expression is too long")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"not an arithmetic expression: {exc.msg}") from None
    used: list[int] = []

    def walk(node: ast.AST) -> Fraction:
        if isinstance(node, ast.Constant) and type(node.value) is int:
            used.append(node.value)
            return Fraction(node.value)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Mult):
                return left * right
            if right == 0:
                raise ValueError("division by zero")
            return left / right
        raise ValueError(
            f"only numbers, + - * / and parentheses are allowed, found {ast.dump(node)[:40]}"
        )

    return walk(tree.body), used


def _random_expression(rng: random.Random, numbers: list[int]) -> str:
    parts = [str(n) for n in numbers]
    while len(parts) > 1:
        i = rng.randrange(len(parts) - 1)
        op = rng.choice("+-*/")
        parts[i : i + 2] = [f"({parts[i]} {op} {parts[i + 1]})"]
    return parts[0][1:-1] if parts[0].startswith("(") else parts[0]


class Countdown(Family):
    name = "countdown"
    title = "Countdown"
    description = "reach a target number using each given number once with + - * /"
    config_cls = CountdownConfig

    def generate(self, rng: random.Random, config: CountdownConfig) -> Puzzle:
        while True:
            numbers = [rng.randint(1, config.max_number) for _ in range(config.count)]
            expression = _random_expression(rng, numbers)
            try:
                value, _ = evaluate(expression)
            except ValueError:  # a zero divisor such as (3 - 3): draw again
                continue
            if value.denominator == 1 and 0 < value <= config.max_target:
                break
        target = int(value)
        shown = sorted(numbers)
        question = (
            f"Using each of the numbers {', '.join(map(str, shown))} exactly once, and only "
            f"+, -, *, / and parentheses, write an expression equal to {target}."
        )
        return Puzzle(
            question=question,
            reference={"numbers": shown, "target": target, "solution": expression},
            answer=expression,
            explanation=f"One way: {expression} = {target}.",
        )

    def check(self, answer: str, reference: Any) -> Score:
        expression = answer.split("=")[0]
        try:
            value, used = evaluate(expression)
        except ValueError as exc:
            return Score.incorrect(f"cannot evaluate the answer: {exc}")
        if sorted(used) != sorted(reference["numbers"]):
            return Score.incorrect(
                f"must use exactly the numbers {reference['numbers']}, used {sorted(used)}"
            )
        if value != reference["target"]:
            return Score.incorrect(f"the expression equals {value}, not {reference['target']}")
        return Score.correct()


SPEC, verifier = register_family(Countdown)
