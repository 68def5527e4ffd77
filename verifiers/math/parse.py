"""A small, safe parser from LaTeX or plain-text answers to an expression tree.

Nothing here calls ``eval``, ``sympify`` or ``parse_expr``: a whitelist tokenizer
feeds a recursive-descent parser that builds plain tuples. Structure is bounded
before any value is computed: answers over :data:`MAX_CHARS` characters, nesting
deeper than :data:`MAX_DEPTH` and exponent towers taller than :data:`MAX_TOWER`
raise :class:`~m1env.errors.TooComplex`.

The tree (every node is a tuple whose first item is its kind)::

    ("n", Fraction, places)     number; places = decimal places written, -1 if exact form
    ("s", name)                 symbol (x, y_1, alpha)
    ("c", name)                 constant: pi, e, i, oo
    ("+", terms) ("*", factors) ("/", num, den) ("^", base, exp) ("-", x)
    ("f", name, args)           sqrt, root(x, n), sin.., ln, log(x, base), exp, abs,
                                fact, binom
    ("%", x) ("deg", x) ("unit", x, unit)
    ("=", parts) ("rel", ops, parts) ("pm", a, b)   a ± b
    ("set", items) ("list", items, seps) ("tuple", items, open, close)
    ("iv", lo, hi, lo_closed, hi_closed) ("U", parts) ("mat", rows)
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache
from typing import Any

from m1env.errors import ParseError, TooComplex, TooLarge
from m1env.verifiers.math.normalize import SINGLE_LETTER_UNITS, UNITS

__all__ = ["MAX_CHARS", "MAX_DEPTH", "MAX_TOWER", "Node", "parse", "tokenize"]

Node = tuple[Any, ...]
MAX_CHARS = 1000
MAX_DEPTH = 60
MAX_TOWER = 3
MAX_NUMBER_CHARS = 400
MAX_SCI_EXPONENT = 400

_TOKEN = re.compile(
    r"""
    (?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+(?![.\d]))?|\.\d+(?:[eE][+-]?\d+)?)
  | \\unit\{(?P<unit>[a-z/^0-9]+)\}
  | \\begin\s*\{(?P<begin>[a-zA-Z*]+)\}(?:\{[lcr|]*\})?
  | \\end\s*\{(?P<end>[a-zA-Z*]+)\}
  | (?P<cmd>\\(?:[a-zA-Z]+|[{}|\\]))
  | (?P<word>[a-zA-Z]+)
  | (?P<op><=|>=|!=|==|=<|=>|[-+*/^_=<>(),;:\[\]{}|!%°&])
  | (?P<space>\s+)
    """,
    re.VERBOSE,
)

FUNCTIONS = frozenset(
    [
        "sin",
        "cos",
        "tan",
        "cot",
        "sec",
        "csc",
        "arcsin",
        "arccos",
        "arctan",
        "sinh",
        "cosh",
        "tanh",
        "ln",
        "log",
        "exp",
        "sqrt",
        "abs",
    ]
)
_GREEK = frozenset(
    [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "varepsilon",
        "zeta",
        "eta",
        "theta",
        "vartheta",
        "iota",
        "kappa",
        "lambda",
        "mu",
        "nu",
        "xi",
        "rho",
        "sigma",
        "tau",
        "upsilon",
        "phi",
        "varphi",
        "chi",
        "psi",
        "omega",
        "Gamma",
        "Delta",
        "Theta",
        "Lambda",
        "Xi",
        "Sigma",
        "Phi",
        "Psi",
        "Omega",
    ]
)
_CMD_OPS = {
    "cdot": "*",
    "times": "*",
    "ast": "*",
    "div": "/",
    "le": "<=",
    "leq": "<=",
    "leqslant": "<=",
    "ge": ">=",
    "geq": ">=",
    "geqslant": ">=",
    "lt": "<",
    "gt": ">",
    "ne": "!=",
    "neq": "!=",
    "approx": "=",
    "mid": "|",
    "vert": "|",
    "lvert": "|",
    "rvert": "|",
    "|": "|",
    "{": "lset",
    "}": "rset",
    "\\": "row",
    "pm": "pm",
    "mp": "mp",
    "cup": "cup",
    "in": "in",
    "to": "=",
    "implies": "or",
}
_CMD_KEEP = frozenset({"frac", "sqrt", "binom", "emptyset", "varnothing"})
# Letter runs split into a product of symbols only when every letter is a usual variable.
_VARIABLE_LETTERS = frozenset("abcdkmnpqrstuvwxyz")
_INVERSES = {"sin": "arcsin", "cos": "arccos", "tan": "arctan"}
_REL = frozenset({"=", "<", ">", "<=", ">=", "!=", "in"})
_SEPARATORS = frozenset({",", ";", "or", "and"})

Token = tuple[str, str]


def tokenize(text: str) -> list[Token]:
    """Whitelist tokenizer: anything it does not know is a :class:`ParseError`."""
    tokens: list[Token] = []
    pos, n = 0, len(text)
    while pos < n:
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ParseError(f"unexpected character {text[pos]!r}")
        pos = m.end()
        kind = m.lastgroup
        value = m.group(kind or 0)
        if kind == "space":
            continue
        if kind == "num":
            tokens.append(("num", value))
        elif kind == "unit":
            tokens.append(("unit", value))
        elif kind in ("begin", "end"):
            tokens.append((kind, value.rstrip("*")))
        elif kind == "op":
            tokens.append(("op", {"=<": "<=", "=>": ">=", "==": "="}.get(value, value)))
        elif kind == "cmd":
            tokens.append(_command(value[1:]))
        else:
            tokens.extend(_word(value))
    return tokens


def _command(name: str) -> Token:
    if name in _CMD_OPS:
        return ("op", _CMD_OPS[name])
    if name in _CMD_KEEP:
        return ("cmd", name)
    if name == "pi":
        return ("const", "pi")
    if name == "infty":
        return ("const", "oo")
    if name in FUNCTIONS:
        return ("fn", name)
    if name in _GREEK:
        return ("sym", name)
    raise ParseError(f"unsupported command \\{name}")


def _word(word: str) -> list[Token]:
    low = word.lower()
    if low in ("or", "and"):
        return [("op", low)]
    if low in FUNCTIONS:
        return [("fn", low)]
    if low == "pi":
        return [("const", "pi")]
    if low in ("inf", "infty", "infinity"):
        return [("const", "oo")]
    if low in UNITS and low not in SINGLE_LETTER_UNITS:
        return [("unit", UNITS[low])]
    if len(word) == 1:
        return [("const", word) if word in "ei" else ("sym", word)]
    if len(word) <= 3 and all(c in _VARIABLE_LETTERS for c in word):
        return [("sym", c) for c in word]
    raise ParseError(f"word {word!r} is not mathematics")


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0
        self.abs_open = 0
        self.tower = 0

    # -- helpers -----------------------------------------------------------------
    def peek(self, ahead: int = 0) -> Token:
        j = self.i + ahead
        return self.tokens[j] if j < len(self.tokens) else ("eof", "")

    def take(self) -> Token:
        tok = self.peek()
        self.i += 1
        return tok

    def is_op(self, *values: str) -> bool:
        tok = self.peek()
        return tok[0] == "op" and tok[1] in values

    def expect(self, value: str) -> None:
        tok = self.take()
        if tok != ("op", value):
            raise ParseError(f"expected {value!r}, found {tok[1]!r}")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise TooComplex(f"nesting deeper than {MAX_DEPTH} levels")

    # -- grammar -----------------------------------------------------------------
    def top(self) -> Node:
        node = self.sequence()
        if self.peek()[0] != "eof":
            raise ParseError(f"unexpected {self.peek()[1]!r}")
        return node

    def sequence(self) -> Node:
        items = [self.relation()]
        seps: set[str] = set()
        while self.peek()[0] == "op" and self.peek()[1] in _SEPARATORS:
            seps.add(self.take()[1])
            if self.peek()[0] in ("eof",) or self.is_op(")", "]", "}", "rset"):
                break  # a trailing comma
            items.append(self.relation())
        if len(items) == 1 and not seps:
            return items[0]
        return ("list", tuple(items), frozenset(seps))

    def relation(self) -> Node:
        first = self.union()
        if not (self.peek()[0] == "op" and self.peek()[1] in _REL):
            return first
        ops: list[str] = []
        parts = [first]
        while self.peek()[0] == "op" and self.peek()[1] in _REL:
            ops.append(self.take()[1])
            parts.append(self.union())
        if ops == ["in"]:
            return parts[1]
        if "in" in ops:
            raise ParseError("'\\in' inside a chain of relations")
        if all(op == "=" for op in ops):
            return ("=", tuple(parts))
        return ("rel", tuple(ops), tuple(parts))

    def union(self) -> Node:
        parts = [self.ratio()]
        while self.is_op("cup"):
            self.take()
            parts.append(self.ratio())
        return parts[0] if len(parts) == 1 else ("U", tuple(parts))

    def ratio(self) -> Node:
        """``3:4`` is the number 3/4 (equal ratios are equal answers)."""
        first = self.plus_minus()
        if self.is_op(":"):
            self.take()
            return ("/", first, self.plus_minus())
        return first

    def plus_minus(self) -> Node:
        if self.is_op("pm", "mp"):
            self.take()
            return ("pm", ("n", Fraction(0), -1), self.expr())
        a = self.expr()
        if self.is_op("pm", "mp"):
            self.take()
            return ("pm", a, self.expr())
        return a

    def expr(self) -> Node:
        terms = [self.term()]
        while self.is_op("+", "-"):
            sign = self.take()[1]
            t = self.term()
            terms.append(t if sign == "+" else ("-", t))
        return terms[0] if len(terms) == 1 else ("+", tuple(terms))

    def term(self) -> Node:
        num = [self.unary()]
        den: list[Node] = []
        while True:
            if self.is_op("*"):
                self.take()
                num.append(self.unary())
            elif self.is_op("/"):
                self.take()
                den.append(self.unary())
            elif self.starts_factor():
                if self.peek()[0] == "num" and num[-1][0] == "n":
                    # "2 3" is not 6: two numbers side by side are an unreadable answer
                    raise ParseError("two numbers side by side without an operator")
                num.append(self.power())
            else:
                break
        wrapper = None
        if len(num) > 1 and num[-1][0] in ("unit", "deg"):
            # 2\sqrt{5} cm: the unit (or degree sign) belongs to the whole product
            wrapper, num[-1] = num[-1], num[-1][1]
        node = num[0] if len(num) == 1 else ("*", tuple(num))
        if den:
            node = ("/", node, den[0] if len(den) == 1 else ("*", tuple(den)))
        if wrapper is not None:
            node = (wrapper[0], node, *wrapper[2:])
        return node

    def starts_factor(self) -> bool:
        kind, value = self.peek()
        if kind in ("num", "sym", "const", "fn", "cmd", "begin"):
            return True
        if kind == "op":
            if value == "|":
                return self.abs_open == 0
            return value in ("(", "[", "{", "lset")
        return False

    def unary(self) -> Node:
        if self.is_op("-"):
            self.take()
            self.enter()
            node = ("-", self.unary())
            self.depth -= 1
            return node
        if self.is_op("+"):
            self.take()
            return self.unary()
        return self.power()

    def power(self) -> Node:
        base = self.postfix(self.primary())
        if self.is_op("^"):
            self.take()
            self.tower += 1
            if self.tower >= MAX_TOWER:
                raise TooComplex(f"exponent tower of height {self.tower + 1} (limit {MAX_TOWER})")
            self.enter()
            exponent = self.exponent()
            self.depth -= 1
            self.tower -= 1
            base = self.postfix(("^", base, exponent))
        return base

    def exponent(self) -> Node:
        if self.is_op("-"):
            self.take()
            return ("-", self.exponent())
        if self.is_op("+"):
            self.take()
            return self.exponent()
        if self.is_op("{"):
            self.take()
            return self.group("}")
        return self.power()

    def postfix(self, node: Node) -> Node:
        while True:
            kind, value = self.peek()
            if kind == "op" and value == "!":
                self.take()
                node = ("f", "fact", (node,))
            elif kind == "op" and value == "%":
                self.take()
                node = ("%", node)
            elif kind == "op" and value == "°":
                self.take()
                node = ("deg", node)
            elif kind == "unit":
                node = self.units(node)
            else:
                return node

    def units(self, node: Node) -> Node:
        names: list[str] = []
        while self.peek()[0] == "unit" or (
            names and self.is_op("^", "/") and self.peek(1)[0] in ("num", "unit")
        ):
            kind, value = self.take()
            if kind == "unit":
                names.append(value)
            else:
                names.append(value + self.take()[1])
        if names == ["deg"]:
            return ("deg", node)
        if names == ["percent"]:
            return ("%", node)
        return ("unit", node, "".join(names))

    def group(self, close: str) -> Node:
        self.enter()
        node = self.sequence()
        self.expect(close)
        self.depth -= 1
        return node

    def argument(self) -> Node:
        """A LaTeX macro argument: ``{...}`` or one token (``\\frac12``)."""
        if self.is_op("{"):
            self.take()
            return self.group("}")
        kind, value = self.peek()
        if kind == "num" and len(value) > 1 and value.isdigit():
            self.tokens[self.i] = ("num", value[1:])
            return ("n", Fraction(int(value[0])), -1)
        if kind in ("num", "sym", "const"):
            return self.primary()
        raise ParseError("a macro argument is missing")

    def primary(self) -> Node:
        kind, value = self.take()
        if kind == "num":
            number = _number(value)
            if number[2] < 0 and self.peek() == ("cmd", "frac"):
                return self.mixed(number)
            return number
        if kind == "sym":
            return self.subscript(("s", value))
        if kind == "const":
            return ("c", value)
        if kind == "fn":
            return self.function(value)
        if kind == "cmd":
            if value == "frac":
                return ("/", self.argument(), self.argument())
            if value == "sqrt":
                index = None
                if self.is_op("["):
                    self.take()
                    index = self.group("]")
                radicand = self.argument()
                return ("f", "root", (radicand, index)) if index else ("f", "sqrt", (radicand,))
            if value == "binom":
                return ("f", "binom", (self.argument(), self.argument()))
            return ("set", ())  # \emptyset, \varnothing
        if kind == "begin":
            return self.matrix(value)
        if kind == "op":
            if value in ("(", "["):
                return self.bracketed(value)
            if value == "{":
                node = self.group("}")
                if node[0] == "list" and node[2] <= {",", ";"}:
                    return ("set", node[1])
                return node
            if value == "lset":
                if self.is_op("rset"):
                    self.take()
                    return ("set", ())
                node = self.group("rset")
                return ("set", node[1] if node[0] == "list" else (node,))
            if value == "|":
                self.abs_open += 1
                self.enter()
                inner = self.expr()
                self.expect("|")
                self.depth -= 1
                self.abs_open -= 1
                return ("f", "abs", (inner,))
        raise ParseError(f"unexpected {value or 'end of answer'!r}")

    def mixed(self, whole: Node) -> Node:
        """``3\\frac{1}{2}`` is the mixed number 7/2 when both parts are integers."""
        self.take()
        num, den = self.argument(), self.argument()
        if num[0] == "n" and den[0] == "n" and num[2] < 0 and den[2] < 0:
            return ("+", (whole, ("/", num, den)))
        return ("*", (whole, ("/", num, den)))

    def subscript(self, node: Node) -> Node:
        if not self.is_op("_"):
            return node
        self.take()
        if self.is_op("{"):
            self.take()
            parts: list[str] = []
            while not self.is_op("}"):
                tok = self.take()
                if tok[0] == "eof":
                    raise ParseError("unclosed subscript")
                parts.append(tok[1])
            self.take()
            sub = "".join(parts)
        else:
            sub = self.take()[1]
        return ("s", f"{node[1]}_{sub}")

    def bracketed(self, opening: str) -> Node:
        self.enter()
        node = self.sequence()
        close = self.take()
        self.depth -= 1
        if close not in (("op", ")"), ("op", "]")):
            raise ParseError(f"bracket {opening!r} is never closed")
        closing = close[1]
        if node[0] == "list" and node[2] <= {",", ";"}:
            items = node[1]
            if opening + closing in ("(]", "[)") and len(items) == 2:
                return ("iv", items[0], items[1], opening == "[", closing == "]")
            return ("tuple", items, opening, closing)
        if opening + closing != "()" and opening + closing != "[]":
            raise ParseError("mismatched brackets around a single value")
        return node

    def function(self, name: str) -> Node:
        power = None
        base = None
        if name == "log" and self.is_op("_"):
            self.take()
            base = self.argument()
        if self.is_op("^"):
            self.take()
            power = self.argument()
        if self.is_op("(", "{"):
            opening = self.take()[1]
            arg = self.group(")" if opening == "(" else "}")
        else:
            self.enter()
            factors = [self.power()]
            while self.starts_factor() and self.peek()[0] != "fn":
                factors.append(self.power())
            self.depth -= 1
            arg = factors[0] if len(factors) == 1 else ("*", tuple(factors))
        if name == "sqrt":
            node: Node = ("f", "sqrt", (arg,))
        elif name == "log" and base is not None:
            node = ("f", "log", (arg, base))
        else:
            node = ("f", {"log": "ln"}.get(name, name), (arg,))
        if power == ("-", ("n", Fraction(1), -1)) and node[1] in _INVERSES:
            return ("f", _INVERSES[node[1]], node[2])  # \sin^{-1} x is arcsin x
        return ("^", node, power) if power is not None else node

    def matrix(self, env: str) -> Node:
        if env not in ("pmatrix", "bmatrix", "matrix", "smallmatrix", "array", "Bmatrix"):
            raise ParseError(f"unsupported environment {env!r}")
        rows: list[tuple[Node, ...]] = []
        row: list[Node] = []
        while True:
            if self.peek() == ("end", env):
                self.take()
                break
            if self.peek()[0] == "eof":
                raise ParseError(f"\\begin{{{env}}} is never closed")
            row.append(self.relation())
            if self.is_op("&"):
                self.take()
            elif self.is_op("row"):
                self.take()
                rows.append(tuple(row))
                row = []
        if row:
            rows.append(tuple(row))
        if not rows or len({len(r) for r in rows}) != 1:
            raise ParseError("matrix rows have different lengths")
        return ("mat", tuple(rows))


def _number(text: str) -> Node:
    if len(text) > MAX_NUMBER_CHARS:
        raise TooLarge(f"a number with {len(text)} characters")
    mantissa, _, exponent = text.lower().partition("e")
    if exponent and abs(int(exponent)) > MAX_SCI_EXPONENT:
        raise TooLarge(f"scientific exponent {exponent} is beyond ±{MAX_SCI_EXPONENT}")
    places = len(mantissa.partition(".")[2]) if ("." in mantissa or exponent) else -1
    return ("n", Fraction(text), places)


@lru_cache(maxsize=8192)
def parse(text: str) -> Node:
    """Parse a cleaned answer (see :func:`m1env.verifiers.math.normalize.clean`).

    Raises ParseError (or its TooComplex) and TooLarge. Results are cached: references
    repeat across a training run, and so do many responses.
    """
    if len(text) > MAX_CHARS:
        raise TooComplex(f"answer is {len(text)} characters, over the {MAX_CHARS} limit")
    if not text.strip():
        raise ParseError("empty answer")
    tokens = tokenize(text)
    try:
        return _Parser(tokens).top()
    except RecursionError as exc:  # belt and braces: MAX_DEPTH stops it far earlier
        raise TooComplex("nesting too deep") from exc
