"""Determinant, linear solve and inverse by Gaussian elimination with partial pivoting."""

from vecmat.errors import DimensionError, SingularMatrixError
from vecmat.matrix import Matrix
from vecmat.vector import Vector

_EPS = 1e-12


def _square(m):
    if not m.is_square:
        raise DimensionError(f"a square matrix is needed, got {m.shape}")


def det(m):
    """The determinant of a square matrix."""
    _square(m)
    a = [list(row) for row in m.rows]
    n = len(a)
    result = 1.0
    for col in range(n):
        # Partial pivoting: the largest entry of the column keeps rounding errors small.
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        if abs(a[pivot][col]) < _EPS:
            return 0.0
        if pivot != col:
            a[col], a[pivot] = a[pivot], a[col]
        result *= a[col][col]
        for r in range(col + 1, n):
            factor = a[r][col] / a[col][col]
            for c in range(col, n):
                a[r][c] -= factor * a[col][c]
    return result


def solve(m, b):
    """The vector x with ``m @ x == b``."""
    _square(m)
    n = m.shape[0]
    if len(b) != n:
        raise DimensionError(f"{m.shape} matrix and vector of {len(b)}")
    a = [list(row) + [bv] for row, bv in zip(m.rows, b)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        if abs(a[pivot][col]) < _EPS:
            raise SingularMatrixError("the matrix is singular")
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(col + 1, n):
            factor = a[r][col] / a[col][col]
            for c in range(col, n + 1):
                a[r][c] -= factor * a[col][c]
    x = [0.0] * n
    for r in reversed(range(n)):
        tail = sum(a[r][c] * x[c] for c in range(r + 1, n))
        x[r] = (a[r][n] - tail) / a[r][r]
    return Vector(x)


def inverse(m):
    _square(m)
    n = m.shape[0]
    cols = [solve(m, Vector(Matrix.identity(n).rows[i])) for i in range(n)]
    return Matrix(cols).transpose()
