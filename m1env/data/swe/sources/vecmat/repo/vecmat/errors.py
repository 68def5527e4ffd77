"""Exceptions of vecmat."""


class DimensionError(ValueError):
    """Operand shapes do not fit together."""


class SingularMatrixError(ValueError):
    """The matrix has no inverse."""
