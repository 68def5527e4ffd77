"""Vectors."""

import math

from vecmat.errors import DimensionError


class Vector:
    __slots__ = ("values",)

    def __init__(self, values):
        self.values = tuple(float(v) for v in values)

    def __len__(self):
        return len(self.values)

    def __iter__(self):
        return iter(self.values)

    def __getitem__(self, i):
        return self.values[i]

    def _check(self, other):
        if len(other) != len(self):
            raise DimensionError(f"lengths {len(self)} and {len(other)} differ")

    def __add__(self, other):
        self._check(other)
        return Vector(a + b for a, b in zip(self, other))

    def __sub__(self, other):
        self._check(other)
        return Vector(a - b for a, b in zip(self, other))

    def __mul__(self, k):
        return Vector(k * a for a in self)

    __rmul__ = __mul__

    def dot(self, other):
        self._check(other)
        return math.fsum(a * b for a, b in zip(self, other))

    def norm(self):
        return math.sqrt(self.dot(self))

    def isclose(self, other, tol=1e-9):
        return len(self) == len(other) and all(
            math.isclose(a, b, rel_tol=tol, abs_tol=tol) for a, b in zip(self, other)
        )

    def __eq__(self, other):
        return isinstance(other, Vector) and self.values == other.values

    def __hash__(self):
        return hash(self.values)

    def __repr__(self):
        return f"Vector({list(self.values)})"
