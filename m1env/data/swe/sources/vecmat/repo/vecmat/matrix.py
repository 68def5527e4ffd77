"""Matrices, stored as a tuple of row tuples."""

from vecmat.errors import DimensionError
from vecmat.vector import Vector


class Matrix:
    __slots__ = ("rows",)

    def __init__(self, rows):
        self.rows = tuple(tuple(float(v) for v in row) for row in rows)
        if not self.rows or not self.rows[0]:
            raise DimensionError("a matrix needs at least one row and one column")
        if len({len(r) for r in self.rows}) != 1:
            raise DimensionError("rows have different lengths")

    @classmethod
    def identity(cls, n):
        return cls([[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)])

    @property
    def shape(self):
        return len(self.rows), len(self.rows[0])

    @property
    def is_square(self):
        return self.shape[0] == self.shape[1]

    def transpose(self):
        return Matrix(zip(*self.rows))

    def __matmul__(self, other):
        if isinstance(other, Vector):
            if len(other) != self.shape[1]:
                raise DimensionError(f"{self.shape} @ vector of {len(other)}")
            return Vector(Vector(row).dot(other) for row in self.rows)
        if self.shape[1] != other.shape[0]:
            raise DimensionError(f"{self.shape} @ {other.shape}")
        cols = other.transpose().rows
        return Matrix([[Vector(r).dot(Vector(c)) for c in cols] for r in self.rows])

    def isclose(self, other, tol=1e-9):
        return self.shape == other.shape and all(
            Vector(a).isclose(Vector(b), tol) for a, b in zip(self.rows, other.rows)
        )

    def __eq__(self, other):
        return isinstance(other, Matrix) and self.rows == other.rows

    def __hash__(self):
        return hash(self.rows)

    def __repr__(self):
        return f"Matrix({[list(r) for r in self.rows]})"
