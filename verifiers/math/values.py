"""Values of expression trees: exact rationals, complex floats and sympy.

Three evaluators, cheapest first:

- :func:`rational` -- a :class:`fractions.Fraction` when the tree is a rational number
  (integers, fractions, decimals, percent, integer powers, perfect roots), else None.
- :func:`numeric` -- a Python ``complex`` at given values of the free symbols (used
  for constants such as ``\\sqrt{2}`` or ``e^{i\\pi}`` and for random-point identity
  tests of expressions in ``x``).
- :func:`to_sympy` -- a sympy expression built with constructors only (never
  ``sympify`` on text), for the last, exact step.

Every evaluator checks sizes before computing: an integer power whose result would
exceed :data:`MAX_BITS` bits, a factorial beyond :data:`MAX_FACTORIAL` or a tree
larger than :data:`MAX_NODES` raises :class:`~m1env.errors.TooLarge` at
once, so ``9^{9^{9}}`` costs microseconds, not the time limit.
"""

from __future__ import annotations

import cmath
import math
from fractions import Fraction
from functools import lru_cache
from typing import Any

from m1env.errors import TooLarge
from m1env.verifiers.math.parse import Node

__all__ = [
    "MAX_BITS",
    "MAX_FACTORIAL",
    "EvalError",
    "free_symbols",
    "has_decimal",
    "has_pm",
    "is_scalar",
    "numeric",
    "pm_variants",
    "rational",
    "to_sympy",
]

MAX_BITS = 20000
MAX_FACTORIAL = 1000
MAX_BINOMIAL = 5000
MAX_NODES = 2000
SCALAR_KINDS = frozenset({"n", "s", "c", "+", "*", "/", "^", "-", "f"})


class EvalError(ArithmeticError):
    """A value could not be computed (division by zero, overflow, a domain error)."""


def is_scalar(node: Node) -> bool:
    return node[0] in SCALAR_KINDS


def _children(node: Node) -> list[Node]:
    kind = node[0]
    if kind in ("+", "*"):
        return list(node[1])
    if kind in ("/", "^"):
        return [node[1], node[2]]
    if kind in ("-", "%", "deg"):
        return [node[1]]
    if kind == "unit":
        return [node[1]]
    if kind == "f":
        return [a for a in node[2] if a is not None]
    return []


@lru_cache(maxsize=8192)
def free_symbols(node: Node) -> frozenset[str]:
    if node[0] == "s":
        return frozenset((node[1],))
    out: frozenset[str] = frozenset()
    for child in _children(node):
        out |= free_symbols(child)
    return out


@lru_cache(maxsize=8192)
def has_decimal(node: Node) -> bool:
    """Whether a number in the tree was written with a decimal point (an approximation)."""
    if node[0] == "n":
        return bool(node[2] >= 0)
    return any(has_decimal(child) for child in _children(node))


@lru_cache(maxsize=8192)
def has_pm(node: Node) -> bool:
    """Whether a ``±`` sits somewhere inside the tree."""
    if node[0] == "pm":
        return True
    return any(has_pm(child) for child in _children(node))


def pm_variants(node: Node) -> list[Node]:
    """The two trees a nested ``±`` stands for (``(1 ± √5)/2``); the first ± only."""
    kind = node[0]
    if kind == "pm":
        a, b = node[1], node[2]
        return [("+", (a, b)), ("+", (a, ("-", b)))]
    if kind in ("+", "*"):
        items = list(node[1])
        for k, child in enumerate(items):
            if has_pm(child):
                return [(kind, (*items[:k], v, *items[k + 1 :])) for v in pm_variants(child)]
    if kind in ("/", "^"):
        if has_pm(node[1]):
            return [(kind, v, node[2]) for v in pm_variants(node[1])]
        if has_pm(node[2]):
            return [(kind, node[1], v) for v in pm_variants(node[2])]
    if kind in ("-", "%", "deg"):
        return [(kind, v) for v in pm_variants(node[1])]
    if kind == "f":
        for k, arg in enumerate(node[2]):
            if arg is not None and has_pm(arg):
                args = node[2]
                return [("f", node[1], (*args[:k], v, *args[k + 1 :])) for v in pm_variants(arg)]
    return [node]


def _count(node: Node, budget: list[int]) -> None:
    budget[0] -= 1
    if budget[0] < 0:
        raise TooLarge(f"expression has more than {MAX_NODES} nodes")
    for child in _children(node):
        _count(child, budget)


def check_size(node: Node) -> None:
    _count(node, [MAX_NODES])


def _bits(q: Fraction) -> int:
    return max(abs(q.numerator).bit_length(), q.denominator.bit_length())


def _int_root(n: int, k: int) -> int | None:
    """The exact k-th root of a non-negative integer, or None."""
    if n < 2:
        return n
    r = round(n ** (1.0 / k)) if n.bit_length() < 1000 else _newton_root(n, k)
    for c in (r - 1, r, r + 1):
        if c >= 0 and c**k == n:
            return c
    return None


def _newton_root(n: int, k: int) -> int:
    x = 1 << (n.bit_length() // k + 1)
    while True:
        y = ((k - 1) * x + n // x ** (k - 1)) // k
        if y >= x:
            return x
        x = y


def _rational_power(base: Fraction, exp: Fraction) -> Fraction | None:
    if exp.denominator == 1:
        e = exp.numerator
        if base == 0:
            if e < 0:
                raise EvalError("zero to a negative power")
            return Fraction(0) if e else Fraction(1)
        if abs(e) * _bits(base) > MAX_BITS and abs(base) != 1:
            raise TooLarge(f"a power with about {abs(e) * _bits(base)} bits")
        return base**e
    if exp.denominator > 64 or base < 0:
        return None
    num = _int_root(base.numerator, exp.denominator)
    den = _int_root(base.denominator, exp.denominator)
    if num is None or den is None:
        return None
    return _rational_power(Fraction(num, den), Fraction(exp.numerator))


def rational(node: Node) -> Fraction | None:
    """The exact rational value, or None when the tree is not a rational number."""
    kind = node[0]
    if kind == "n":
        return node[1]
    if kind == "-":
        v = rational(node[1])
        return None if v is None else -v
    if kind == "+":
        total = Fraction(0)
        for t in node[1]:
            v = rational(t)
            if v is None:
                return None
            total += v
        return total
    if kind == "*":
        prod = Fraction(1)
        for f in node[1]:
            v = rational(f)
            if v is None:
                return None
            prod *= v
        return prod
    if kind == "/":
        a, b = rational(node[1]), rational(node[2])
        if a is None or b is None:
            return None
        if b == 0:
            raise EvalError("division by zero")
        return a / b
    if kind == "^":
        exp = rational(node[2])
        if exp is None:
            return None
        base = rational(node[1])
        return None if base is None else _rational_power(base, exp)
    if kind == "%":
        v = rational(node[1])
        return None if v is None else v / 100
    if kind == "f":
        return _rational_function(node[1], node[2])
    return None


def _rational_function(name: str, args: tuple[Node, ...]) -> Fraction | None:
    if name in ("sqrt", "root"):
        x = rational(args[0])
        k = rational(args[1]) if name == "root" else Fraction(2)
        if x is None or k is None or k.denominator != 1 or k <= 0:
            return None
        return _rational_power(x, Fraction(1, k.numerator))
    if name == "abs":
        x = rational(args[0])
        return None if x is None else abs(x)
    if name == "fact":
        x = rational(args[0])
        if x is None or x.denominator != 1 or x < 0:
            return None
        if x > MAX_FACTORIAL:
            raise TooLarge(f"factorial of {x} (limit {MAX_FACTORIAL})")
        return Fraction(math.factorial(int(x)))
    if name == "binom":
        n, k = rational(args[0]), rational(args[1])
        if n is None or k is None or n.denominator != 1 or k.denominator != 1:
            return None
        if n > MAX_BINOMIAL:
            raise TooLarge("binomial coefficient too large")
        return Fraction(math.comb(int(n), int(k))) if n >= 0 and k >= 0 else None
    return None


_CONSTANTS = {"pi": math.pi, "e": math.e, "i": 1j, "oo": math.inf}
_CFUNCS: dict[str, Any] = {
    "sin": cmath.sin,
    "cos": cmath.cos,
    "tan": cmath.tan,
    "cot": lambda z: 1 / cmath.tan(z),
    "sec": lambda z: 1 / cmath.cos(z),
    "csc": lambda z: 1 / cmath.sin(z),
    "arcsin": cmath.asin,
    "arccos": cmath.acos,
    "arctan": cmath.atan,
    "sinh": cmath.sinh,
    "cosh": cmath.cosh,
    "tanh": cmath.tanh,
    "ln": cmath.log,
    "exp": cmath.exp,
    "sqrt": cmath.sqrt,
    "abs": abs,
}


def numeric(node: Node, env: dict[str, complex] | None = None) -> complex:
    """The value as a complex float; raises EvalError when it cannot be computed."""
    try:
        return complex(_numeric(node, env or {}))
    except (OverflowError, ZeroDivisionError, ValueError, TypeError) as exc:
        raise EvalError(str(exc) or type(exc).__name__) from exc


def _numeric(node: Node, env: dict[str, complex]) -> complex:
    kind = node[0]
    if kind == "n":
        return complex(node[1])
    if kind == "s":
        if node[1] not in env:
            raise EvalError(f"no value for {node[1]}")
        return env[node[1]]
    if kind == "c":
        return complex(_CONSTANTS[node[1]])
    if kind == "-":
        return -_numeric(node[1], env)
    if kind == "+":
        return sum((_numeric(t, env) for t in node[1]), 0j)
    if kind == "*":
        prod = 1 + 0j
        for f in node[1]:
            prod *= _numeric(f, env)
        return prod
    if kind == "/":
        return _numeric(node[1], env) / _numeric(node[2], env)
    if kind == "^":
        base = _numeric(node[1], env)
        exp = _numeric(node[2], env)
        if abs(exp) > 10000:
            raise EvalError("exponent too large for a float")
        if base.imag == 0 and exp.imag == 0 and base.real < 0:
            q = rational(node[2])
            if q is not None and q.denominator % 2 == 1:  # real odd root: (-8)^(1/3) = -2
                sign = -1 if q.numerator % 2 else 1
                return complex(sign * (-base.real) ** exp.real)
        return base**exp
    if kind == "%":
        return _numeric(node[1], env) / 100
    if kind == "deg":  # an angle inside a function: sin 30° is sin(pi/6)
        return _numeric(node[1], env) * (math.pi / 180)
    if kind == "f":
        return _numeric_function(node[1], node[2], env)
    raise EvalError(f"{kind!r} has no single value")


def _numeric_function(name: str, args: tuple[Node, ...], env: dict[str, complex]) -> complex:
    if name == "root":
        k = _numeric(args[1], env)
        x = _numeric(args[0], env)
        if x.imag == 0 and x.real < 0 and k.imag == 0 and k.real % 2 == 1:
            return complex(-((-x.real) ** (1 / k.real)))
        return x ** (1 / k)
    if name == "log":
        return cmath.log(_numeric(args[0], env)) / cmath.log(_numeric(args[1], env))
    if name == "fact":
        x = _numeric(args[0], env)
        if x.imag or x.real > 170:
            raise EvalError("factorial out of range")
        return complex(math.gamma(x.real + 1))
    if name == "binom":
        n, k = _numeric(args[0], env), _numeric(args[1], env)
        if n.imag or k.imag or n.real > 170:
            raise EvalError("binomial out of range")
        return complex(
            math.gamma(n.real + 1) / (math.gamma(k.real + 1) * math.gamma(n.real - k.real + 1))
        )
    fn = _CFUNCS.get(name)
    if fn is None:
        raise EvalError(f"unknown function {name}")
    return complex(fn(_numeric(args[0], env)))


def to_sympy(node: Node) -> Any:
    """A sympy expression built from constructors; sizes are checked first."""
    import sympy

    check_size(node)
    return _to_sympy(node, sympy)


def _to_sympy(node: Node, sp: Any) -> Any:
    kind = node[0]
    q = rational(node) if kind not in ("s", "c") else None
    if q is not None:
        return sp.Rational(q.numerator, q.denominator)
    if kind == "s":
        return sp.Symbol(node[1])
    if kind == "c":
        return {"pi": sp.pi, "e": sp.E, "i": sp.I, "oo": sp.oo}[node[1]]
    if kind == "-":
        return -_to_sympy(node[1], sp)
    if kind == "+":
        return sp.Add(*(_to_sympy(t, sp) for t in node[1]))
    if kind == "*":
        return sp.Mul(*(_to_sympy(f, sp) for f in node[1]))
    if kind == "/":
        return _to_sympy(node[1], sp) / _to_sympy(node[2], sp)
    if kind == "^":
        exp = rational(node[2])
        if exp is not None and abs(exp) > 1000:
            raise TooLarge(f"symbolic power {exp} is beyond the cap")
        return sp.Pow(_to_sympy(node[1], sp), _to_sympy(node[2], sp))
    if kind == "%":
        return _to_sympy(node[1], sp) / 100
    if kind == "deg":
        return _to_sympy(node[1], sp) * sp.pi / 180
    if kind == "f":
        name, args = node[1], [_to_sympy(a, sp) for a in node[2] if a is not None]
        table = {
            "sqrt": sp.sqrt,
            "root": lambda x, n: sp.root(x, n),
            "ln": sp.log,
            "log": lambda x, b: sp.log(x, b),
            "exp": sp.exp,
            "abs": sp.Abs,
            "fact": sp.factorial,
            "binom": sp.binomial,
            "sin": sp.sin,
            "cos": sp.cos,
            "tan": sp.tan,
            "cot": sp.cot,
            "sec": sp.sec,
            "csc": sp.csc,
            "arcsin": sp.asin,
            "arccos": sp.acos,
            "arctan": sp.atan,
            "sinh": sp.sinh,
            "cosh": sp.cosh,
            "tanh": sp.tanh,
        }
        return table[name](*args)
    raise EvalError(f"{kind!r} is not a scalar")
