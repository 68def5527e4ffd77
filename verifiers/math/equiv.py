"""Is a response's answer tree equivalent to the reference's?

The reference (trusted) decides the rules; the response is only ever compared
against it. Scalars go through the cheapest test that can decide:

1. exact rationals (``Fraction``): ``0.5 == 1/2 == 50\\%``;
2. approximations: a response written with a decimal point is accepted within
   ``rel_tol`` (default 1e-6) only when the reference has no exact finite decimal
   form (``1/3``, ``\\sqrt 2``, ``\\pi``); ``0.333`` is not ``1/3`` unless
   ``rel_tol`` allows it. A reference written as a decimal with at least two places
   accepts an exact response that rounds to it (``1.41`` <- ``\\sqrt 2``);
3. constants (``\\sqrt 8`` vs ``2\\sqrt 2``): complex floats agree to 1e-9, then
   sympy confirms at 40 digits;
4. expressions in variables: equal values (relative 1e-8) at three fixed points,
   one of them non-real so that ``\\sqrt{x^2}`` is not ``x``; sympy decides when
   the floats cannot be computed at two of the points.

Structures: sets and bare lists (``1, 2``, ``x = 1 or x = 2``, ``a \\pm b``) are
unordered multisets; tuples, vectors and matrices are ordered; an interval's
endpoints *and* open/closed ends must match, and a one-variable inequality equals
its interval (``x > 3`` == ``(3, \\infty)``); an equation ``x = 3`` equals ``3``
when its left side is a lone variable; equations with general sides are equal when
``lhs - rhs`` agree up to a non-zero factor. Percent (``25\\%``) matches 25 and
0.25; degrees (``30^\\circ``) match 30 and ``\\pi/6``; units are dropped when only
one side states them and must match when both do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from m1env.errors import MathError
from m1env.verifiers.math.parse import Node
from m1env.verifiers.math.values import (
    EvalError,
    free_symbols,
    has_decimal,
    has_pm,
    is_scalar,
    numeric,
    pm_variants,
    rational,
    to_sympy,
)

__all__ = ["Rules", "equivalent"]

_CLOSE = 1e-9
_POINTS = (0.5377, 1.8339, -2.2588 + 0.8622j)  # fixed: verification is deterministic
_INF = ("c", "oo")
_PM_HOSTS = frozenset({"+", "*", "/", "^", "-", "f"})  # a ± nested inside arithmetic


@dataclass(frozen=True, slots=True)
class Rules:
    """Comparison settings (validated by the verifier's options)."""

    rel_tol: float = 1e-6
    tol_explicit: bool = False


def equivalent(resp: Node, ref: Node, rules: Rules) -> bool:
    """Whether ``resp`` is an acceptable answer for the reference ``ref``."""
    if ref[0] in _PM_HOSTS and has_pm(ref):
        ref = ("list", tuple(pm_variants(ref)), frozenset({","}))
    if resp[0] in _PM_HOSTS and has_pm(resp):
        resp = ("list", tuple(pm_variants(resp)), frozenset({","}))
    kind = ref[0]
    if kind == "unit":
        if resp[0] == "unit":
            return resp[2] == ref[2] and equivalent(resp[1], ref[1], rules)
        return equivalent(resp, ref[1], rules)
    if resp[0] == "unit":
        return equivalent(resp[1], ref, rules)
    if kind == "=":
        return _equation(resp, ref, rules)
    if resp[0] == "=":
        return _chain(resp[1], ref, rules)
    if kind == "pm":
        return _unordered(_items(resp), _pm_items(ref), rules)
    if kind in ("set", "list"):
        if resp[0] == "tuple" and kind == "set":
            return False
        return _unordered(_items(resp), ref[1], rules)
    if kind in ("iv", "U", "rel") or (kind == "tuple" and resp[0] in ("iv", "U", "rel")):
        return _intervals(resp, ref, rules)
    if kind == "tuple":
        if resp[0] == "tuple" and len(ref[1]) == 2 and resp[2:] != ref[2:]:
            return False  # (a, b) and [a, b] differ as intervals
        return resp[0] in ("tuple", "list", "mat") and _ordered(_items(resp), ref[1], rules)
    if kind == "mat":
        return _matrix(resp, ref, rules)
    if kind == "%":
        return _percent(resp, ref, rules)
    if kind == "deg":
        return _degrees(resp, ref, rules)
    if resp[0] in ("set", "list") and len(resp[1]) == 1:
        return equivalent(resp[1][0], ref, rules)
    if resp[0] == "%":
        return scalar_equal(resp[1], ref, rules) or scalar_equal(("%", resp[1]), ref, rules)
    if resp[0] == "deg":
        return scalar_equal(resp[1], ref, rules) or scalar_equal(_to_radians(resp[1]), ref, rules)
    if is_scalar(ref) and is_scalar(resp):
        return scalar_equal(resp, ref, rules)
    return False


# -- scalars ---------------------------------------------------------------------


def _terminating(q: Fraction) -> bool:
    d = q.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def _decimal_places(node: Node) -> int:
    while node[0] == "-":
        node = node[1]
    return int(node[2]) if node[0] == "n" else -1


def _close(a: complex, b: complex, rel: float) -> bool:
    if a == b:
        return True
    # The absolute floor lets float noise pass at zero (e^{i pi} + 1); exact forms are
    # then confirmed by sympy.
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), 1e-12)


def scalar_equal(resp: Node, ref: Node, rules: Rules) -> bool:
    inf_a, inf_b = _infinity(resp), _infinity(ref)
    if inf_a or inf_b:
        return inf_a == inf_b
    qa, qb = rational(resp), rational(ref)
    resp_approx = has_decimal(resp)
    if qa is not None and qb is not None:
        if qa == qb:
            return True
        if rules.tol_explicit or (resp_approx and not _terminating(qb)):
            return abs(qa - qb) <= Fraction(rules.rel_tol) * max(abs(qa), abs(qb))
        return _rounds_to(qa, ref, resp_approx)
    symbols = free_symbols(resp) | free_symbols(ref)
    if symbols:
        return _identity(resp, ref, symbols)
    try:
        a, b = numeric(resp), numeric(ref)
    except EvalError:
        return _sympy_equal(resp, ref)
    if resp_approx or has_decimal(ref) or rules.tol_explicit:
        if _close(a, b, rules.rel_tol if (resp_approx or rules.tol_explicit) else _CLOSE):
            return True
        return a.imag == 0 and _rounds_to_float(a.real, ref, resp_approx)
    if not _close(a, b, _CLOSE):
        return False
    return _sympy_equal(resp, ref, assume=True)


def _rounds_to(value: Fraction, ref: Node, resp_approx: bool) -> bool:
    """An exact response rounding to a reference written with >= 2 decimal places."""
    places = _decimal_places(ref)
    target = rational(ref)
    if resp_approx or places < 2 or target is None:
        return False
    return abs(value - target) <= Fraction(1, 2 * 10**places)


def _rounds_to_float(value: float, ref: Node, resp_approx: bool) -> bool:
    """An exact response rounding to a reference written with >= 2 decimal places."""
    places = _decimal_places(ref)
    target = rational(ref)
    if resp_approx or places < 2 or target is None:
        return False
    return abs(value - float(target)) <= 0.5 * 10.0**-places * (1 + 1e-9)


def _infinity(node: Node) -> int:
    if node == _INF:
        return 1
    if node[0] == "-" and node[1] == _INF:
        return -1
    if node[0] == "+" and len(node[1]) == 1:
        return _infinity(node[1][0])
    return 0


def _identity(resp: Node, ref: Node, symbols: frozenset[str]) -> bool:
    names = sorted(symbols)
    agreed = 0
    for k, point in enumerate(_POINTS):
        env = {n: complex(point) * (1 + 0.137 * j) + 0.05 * k for j, n in enumerate(names)}
        try:
            a, b = numeric(resp, env), numeric(ref, env)
        except EvalError:
            continue
        if not (math.isfinite(abs(a)) and math.isfinite(abs(b))):
            continue
        if not _close(a, b, 1e-8):
            return False
        agreed += 1
    return agreed >= 2 or _sympy_equal(resp, ref)


def _sympy_equal(resp: Node, ref: Node, *, assume: bool = False) -> bool:
    """Exact check; ``assume`` is the answer when sympy cannot decide."""
    try:
        import sympy

        diff = to_sympy(resp) - to_sympy(ref)
        if not diff.free_symbols:
            value = diff.evalf(40)
            if value.is_number and value.is_comparable is not False:
                return bool(abs(complex(value)) < 1e-30)
            return assume
        simplified = sympy.simplify(diff)
        return bool(simplified == 0)
    except MathError:
        raise
    except Exception:
        return assume


# -- structures ------------------------------------------------------------------


def _items(node: Node) -> tuple[Node, ...]:
    if node[0] in ("set", "list", "tuple"):
        out: list[Node] = []
        for item in node[1]:
            out.extend(_pm_items(item) if item[0] == "pm" else (item,))
        return tuple(out)
    if node[0] == "pm":
        return _pm_items(node)
    if node[0] == "mat" and (len(node[1]) == 1 or len(node[1][0]) == 1):
        return tuple(x for row in node[1] for x in row)
    return (node,)


def _pm_items(node: Node) -> tuple[Node, ...]:
    a, b = node[1], node[2]
    if a == ("n", Fraction(0), -1):
        return (b, ("-", b))
    return (("+", (a, b)), ("+", (a, ("-", b))))


def _unordered(resp: tuple[Node, ...], ref: tuple[Node, ...], rules: Rules) -> bool:
    if len(resp) != len(ref):
        return False
    unused = list(resp)
    for want in ref:
        for k, got in enumerate(unused):
            if equivalent(got, want, rules):
                del unused[k]
                break
        else:
            return False
    return True


def _ordered(resp: tuple[Node, ...], ref: tuple[Node, ...], rules: Rules) -> bool:
    return len(resp) == len(ref) and all(
        equivalent(a, b, rules) for a, b in zip(resp, ref, strict=True)
    )


def _matrix(resp: Node, ref: Node, rules: Rules) -> bool:
    rows = ref[1]
    if resp[0] == "mat":
        got = resp[1]
        return len(got) == len(rows) and all(
            _ordered(a, b, rules) for a, b in zip(got, rows, strict=True)
        )
    if resp[0] == "tuple" and (len(rows) == 1 or len(rows[0]) == 1):
        return _ordered(resp[1], tuple(x for row in rows for x in row), rules)
    return False


def _percent(resp: Node, ref: Node, rules: Rules) -> bool:
    value = ref[1]
    if resp[0] == "%":
        return equivalent(resp[1], value, rules)
    return scalar_equal(resp, value, rules) or scalar_equal(resp, ("%", value), rules)


def _to_radians(node: Node) -> Node:
    return ("/", ("*", (node, ("c", "pi"))), ("n", Fraction(180), -1))


def _degrees(resp: Node, ref: Node, rules: Rules) -> bool:
    value = ref[1]
    if resp[0] == "deg":
        return scalar_equal(resp[1], value, rules)
    if not is_scalar(resp):
        return False
    if "pi" in repr(resp):  # written in radians
        return scalar_equal(resp, _to_radians(value), rules)
    return scalar_equal(resp, value, rules)


def _equation(resp: Node, ref: Node, rules: Rules) -> bool:
    parts = ref[1]
    lhs, rhs = parts[0], parts[-1]
    if resp[0] == "=":
        got = resp[1]
        if lhs[0] == "s" and got[0][0] == "s":
            return got[0] == lhs and equivalent(got[-1], rhs, rules)
        if len(parts) == 2 and len(got) == 2 and is_scalar(lhs) and is_scalar(got[0]):
            return _proportional(("+", (got[0], ("-", got[1]))), ("+", (lhs, ("-", rhs))), rules)
        return False
    if _is_label(lhs):
        return equivalent(resp, rhs, rules)
    return False


def _chain(sides: tuple[Node, ...], ref: Node, rules: Rules) -> bool:
    """``x = 2 + 3 = 5`` answers 5; ``2 + 3 = 5 = 6`` answers nothing.

    Every side but a leading label must equal the reference: taking only the last side
    would reward an answer that states a false equation on its way (a free guess).
    """
    if _names_only(sides[0]):
        sides = sides[1:]
    return bool(sides) and all(equivalent(side, ref, rules) for side in sides)


def _names_only(node: Node) -> bool:
    """A side that names the answer: ``x``, ``f(x)`` (parsed as ``f*x``), ``(x, y)``, ``a:b``."""
    if node[0] == "s":
        return True
    if node[0] == "/":  # a ratio of names, V_1:V_2
        return _names_only(node[1]) and _names_only(node[2])
    return node[0] in ("*", "tuple", "list") and all(_names_only(item) for item in node[1])


def _is_label(node: Node) -> bool:
    """A left side that only names the answer: ``x``, ``(x, y)``."""
    if node[0] == "s":
        return True
    return node[0] in ("tuple", "list") and all(item[0] == "s" for item in node[1])


def _proportional(a: Node, b: Node, rules: Rules) -> bool:
    """``a = k b`` for one non-zero constant k (``2x - y + 1`` vs ``y - 2x - 1``)."""
    symbols = sorted(free_symbols(a) | free_symbols(b))
    if free_symbols(a) != free_symbols(b) or not symbols:
        return scalar_equal(a, b, rules)
    ratios: list[complex] = []
    for k, point in enumerate(_POINTS):
        env = {n: complex(point) * (1 + 0.137 * j) + 0.05 * k for j, n in enumerate(symbols)}
        try:
            x, y = numeric(a, env), numeric(b, env)
        except EvalError:
            continue
        if y == 0:
            if x != 0:
                return False
            continue
        ratios.append(x / y)
    return len(ratios) >= 2 and ratios[0] != 0 and all(_close(r, ratios[0], 1e-8) for r in ratios)


# -- intervals -------------------------------------------------------------------

Interval = tuple[Node, Node, bool, bool]


def _as_intervals(node: Node) -> list[Interval] | None:
    kind = node[0]
    if kind == "iv":
        return [(node[1], node[2], node[3], node[4])]
    if kind == "tuple" and len(node[1]) == 2 and node[2] + node[3] in ("()", "[]"):
        closed = node[2] == "["
        return [(node[1][0], node[1][1], closed, closed)]
    if kind == "U":
        out: list[Interval] = []
        for part in node[1]:
            got = _as_intervals(part)
            if got is None:
                return None
            out.extend(got)
        return out
    if kind == "rel":
        return _inequality(node)
    if kind == "=" and len(node[1]) == 2 and node[1][0][0] == "s":
        return _as_intervals(node[1][1])
    return None


_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}


def _inequality(node: Node) -> list[Interval] | None:
    """``a < x <= b``, ``x > 3``, ``3 <= x`` in one variable -> one interval."""
    ops, parts = node[1], node[2]
    if any(op not in _FLIP for op in ops):
        return None
    variables = [k for k, p in enumerate(parts) if p[0] == "s"]
    if len(variables) != 1 or any(free_symbols(p) for p in parts if p[0] != "s"):
        return None
    at = variables[0]
    lo: Node = ("-", _INF)
    hi: Node = _INF
    lo_closed = hi_closed = False
    for k, op in enumerate(ops):
        if at not in (k, k + 1):
            continue
        # Normalise to "x op bound".
        if at == k:
            bound, rel = parts[k + 1], op
        else:
            bound, rel = parts[k], _FLIP[op]
        if rel in (">", ">="):
            lo, lo_closed = bound, rel == ">="
        else:
            hi, hi_closed = bound, rel == "<="
    return [(lo, hi, lo_closed, hi_closed)]


def _intervals(resp: Node, ref: Node, rules: Rules) -> bool:
    want = _as_intervals(ref)
    got = _as_intervals(resp)
    if want is None or got is None:
        if ref[0] == "rel" and resp[0] == "rel":
            return _same_relation(resp, ref, rules)
        if ref[0] == "tuple":
            return resp[0] in ("tuple", "list") and _ordered(_items(resp), ref[1], rules)
        return False
    if len(want) != len(got):
        return False
    unused = list(got)
    for w in want:
        for k, g in enumerate(unused):
            if (
                g[2] == w[2]
                and g[3] == w[3]
                and scalar_equal(g[0], w[0], rules)
                and scalar_equal(g[1], w[1], rules)
            ):
                del unused[k]
                break
        else:
            return False
    return True


def _same_relation(resp: Node, ref: Node, rules: Rules) -> bool:
    ops, parts = resp[1], resp[2]
    if list(ops) != list(ref[1]):
        ops = tuple(_FLIP.get(op, op) for op in reversed(ops))
        parts = tuple(reversed(parts))
    return list(ops) == list(ref[1]) and _ordered(parts, ref[2], rules)
