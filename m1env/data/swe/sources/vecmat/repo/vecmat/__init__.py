"""Dense vectors and matrices in pure Python, with determinants and linear solves."""

from vecmat.errors import DimensionError, SingularMatrixError
from vecmat.linalg import det, inverse, solve
from vecmat.matrix import Matrix
from vecmat.vector import Vector

__all__ = [
    "DimensionError",
    "Matrix",
    "SingularMatrixError",
    "Vector",
    "det",
    "inverse",
    "solve",
]
