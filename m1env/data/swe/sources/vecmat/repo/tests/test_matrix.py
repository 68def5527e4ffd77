import pytest

from vecmat import DimensionError, Matrix, Vector


def test_shape_and_transpose():
    m = Matrix([[1, 2, 3], [4, 5, 6]])
    assert m.shape == (2, 3) and m.transpose().shape == (3, 2)
    assert m.transpose().rows[2] == (3.0, 6.0)


def test_matmul():
    a = Matrix([[1, 2], [3, 4]])
    assert a @ Matrix.identity(2) == a
    assert Matrix([[1, 2, 3]]) @ Matrix([[1], [1], [1]]) == Matrix([[6]])
    assert a @ Vector([1, 1]) == Vector([3, 7])


def test_bad_shapes():
    with pytest.raises(DimensionError):
        Matrix([[1, 2], [3]])
    with pytest.raises(DimensionError):
        Matrix([[1, 2]]) @ Matrix([[1, 2]])
