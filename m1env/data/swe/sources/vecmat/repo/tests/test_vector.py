import pytest

from vecmat import DimensionError, Vector


def test_arithmetic():
    assert Vector([1, 2]) + Vector([3, 4]) == Vector([4, 6])
    assert 2 * Vector([1, -1]) == Vector([2, -2])
    assert Vector([3, 4]).norm() == 5.0


def test_dot_and_lengths():
    assert Vector([1, 2, 3]).dot(Vector([4, 5, 6])) == 32.0
    with pytest.raises(DimensionError):
        Vector([1]).dot(Vector([1, 2]))
