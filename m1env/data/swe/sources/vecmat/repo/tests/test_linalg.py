import pytest

from vecmat import DimensionError, Matrix, SingularMatrixError, Vector, det, inverse, solve


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([[2, 1], [1, 3]], 5.0),
        ([[4, 1, 0], [1, 3, 1], [0, 1, 2]], 18.0),
        ([[1, 2], [2, 4]], 0.0),
        ([[7]], 7.0),
    ],
    ids=["2x2", "tridiagonal", "singular", "1x1"],
)
def test_det(rows, expected):
    assert det(Matrix(rows)) == pytest.approx(expected)


def test_det_needs_square():
    with pytest.raises(DimensionError):
        det(Matrix([[1, 2, 3]]))


def test_solve():
    m = Matrix([[0, 2, 1], [1, 1, 0], [3, 0, 1]])
    x = solve(m, Vector([5, 3, 6]))
    assert (m @ x).isclose(Vector([5, 3, 6]))


def test_solve_singular():
    with pytest.raises(SingularMatrixError):
        solve(Matrix([[1, 2], [2, 4]]), Vector([1, 2]))


def test_inverse():
    m = Matrix([[0, 1], [2, 3]])
    assert (m @ inverse(m)).isclose(Matrix.identity(2))
