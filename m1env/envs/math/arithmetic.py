"""Integer arithmetic: evaluate an expression such as ``$7 - 3 \\times (12 \\div 4)$``.

Difficulty scales the number of operands (2 at 1, 6 at 9-10), their digits (1 to 4),
the operators (``+ -``, then ``\\times``, then ``\\div``), parentheses (from 3) and
negative operands (from 6). Division is always exact, so every answer is an integer.
The worked solution evaluates one operation per line, innermost first.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Self

from m1env.envs.math.env import OPERATORS, MathConfig, MathFamily, check_operators
from m1env.sources import Problem, check_difficulty

__all__ = ["FAMILY", "SPEC", "ArithmeticConfig", "build"]

_TEX = {"+": "+", "-": "-", "*": "\\times", "/": "\\div"}
_PREC = {"+": 1, "-": 1, "*": 2, "/": 2}

Node = tuple  # ("n", int) or (op, left, right)


@dataclass(frozen=True)
class ArithmeticConfig(MathConfig):
    min_terms: int = 2
    max_terms: int = 4
    max_digits: int = 2
    operators: tuple[str, ...] = ("+", "-", "*")
    parentheses: bool = True
    allow_negative: bool = False

    def __post_init__(self) -> None:
        if not 2 <= self.min_terms <= self.max_terms <= 12:
            raise ValueError(f"need 2 <= min_terms <= max_terms <= 12, got {self}")
        if not 1 <= self.max_digits <= 6:
            raise ValueError(f"max_digits must be in [1, 6], got {self.max_digits}")
        object.__setattr__(self, "operators", check_operators(self.operators))

    @classmethod
    def for_difficulty(cls, difficulty: int) -> Self:
        d = check_difficulty(difficulty)
        terms = 2 + (d - 1) // 2
        ops = ("+", "-") if d == 1 else ("+", "-", "*") if d <= 3 else OPERATORS
        return cls(
            min_terms=max(2, terms - 1),
            max_terms=terms,
            max_digits=min(4, 1 + (d - 1) // 3),
            operators=ops,
            parentheses=d >= 3,
            allow_negative=d >= 6,
        )


def _leaf(rng: random.Random, config: ArithmeticConfig) -> Node:
    value = rng.randint(1, 10**config.max_digits - 1)
    if config.allow_negative and rng.random() < 0.25:
        value = -value
    return ("n", value)


def _value(node: Node) -> int:
    if node[0] == "n":
        return int(node[1])
    a, b = _value(node[1]), _value(node[2])
    op = node[0]
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return a // b  # exact by construction


def _divisor(rng: random.Random, value: int, config: ArithmeticConfig) -> Node | None:
    """A leaf dividing ``value`` exactly (never 1 or 0), or None when there is none."""
    if value == 0:
        return None
    limit = min(10**config.max_digits - 1, abs(value), 999)
    options = [k for k in range(2, limit + 1) if value % k == 0]
    if not options:
        return None
    k = rng.choice(options)
    if config.allow_negative and rng.random() < 0.25:
        k = -k
    return ("n", k)


def _tree(rng: random.Random, leaves: int, config: ArithmeticConfig) -> Node:
    if leaves == 1:
        return _leaf(rng, config)
    op = rng.choice(config.operators)
    if op == "/":
        left = _tree(rng, leaves - 1, config)
        right = _divisor(rng, _value(left), config)
        if right is not None:
            return ("/", left, right)
        op = rng.choice([o for o in config.operators if o != "/"] or ["+"])
    k = rng.randint(1, leaves - 1)
    return (op, _tree(rng, k, config), _tree(rng, leaves - k, config))


def _chain(rng: random.Random, leaves: int, config: ArithmeticConfig) -> Node:
    """A left-to-right expression that needs no parentheses: sums of products."""
    node = _leaf(rng, config)
    for _ in range(leaves - 1):
        op = rng.choice(config.operators)
        if op in "+-":
            node = (op, node, _leaf(rng, config))
            continue
        # * and / bind to the last term only: rebuild the rightmost product.
        if node[0] in "+-":
            term = node[2]
            new_term = _times(rng, op, term, config)
            node = (node[0], node[1], new_term)
        else:
            node = _times(rng, op, node, config)
    return node


def _times(rng: random.Random, op: str, term: Node, config: ArithmeticConfig) -> Node:
    if op == "/":
        divisor = _divisor(rng, _value(term), config)
        if divisor is not None:
            return ("/", term, divisor)
    return ("*", term, _leaf(rng, config))


def _render(node: Node) -> str:
    if node[0] == "n":
        return f"({node[1]})" if node[1] < 0 else str(node[1])
    op, left, right = node
    a, b = _render(left), _render(right)
    if left[0] != "n" and _PREC[left[0]] < _PREC[op]:
        a = f"({a})"
    # Equal precedence on the right is bracketed too, so the written order is the
    # order the worked solution evaluates in.
    if right[0] != "n" and _PREC[right[0]] <= _PREC[op]:
        b = f"({b})"
    return f"{a} {_TEX[op]} {b}"


def _reduce_once(node: Node) -> tuple[Node, str | None]:
    """Evaluate the first operation whose operands are both numbers."""
    if node[0] == "n":
        return node, None
    op, left, right = node
    if left[0] == "n" and right[0] == "n":
        value = _value(node)
        return ("n", value), f"{_render(node)} = {value}"
    new_left, step = _reduce_once(left)
    if step is not None:
        return (op, new_left, right), step
    new_right, step = _reduce_once(right)
    return (op, left, new_right), step


def build(rng: random.Random, config: ArithmeticConfig) -> Problem:
    leaves = rng.randint(config.min_terms, config.max_terms)
    tree = _tree(rng, leaves, config) if config.parentheses else _chain(rng, leaves, config)
    expression = _render(tree)
    answer = _value(tree)
    lines = [f"We evaluate ${expression}$ one operation at a time, innermost first."]
    node = tree
    while node[0] != "n":
        node, step = _reduce_once(node)
        rest = f", leaving ${_render(node)}$" if node[0] != "n" else ""
        lines.append(f"- ${step}${rest}.")
    lines.append(f"\nThe value is $\\boxed{{{answer}}}$.")
    return Problem(
        question=f"Evaluate ${expression}$.",
        answer=str(answer),
        solution="\n".join(lines),
        metadata={"operands": leaves},
    )


FAMILY = MathFamily("arithmetic", ArithmeticConfig, build)
SPEC = FAMILY.spec("m1env/Math-Arithmetic-v0", "integer arithmetic with exact division")
