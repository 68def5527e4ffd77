import pytest

from intervals import merge, total_length


def test_merge_overlapping():
    assert merge([(5, 8), (1, 3), (2, 4)]) == [(1, 4), (5, 8)]


def test_merge_empty():
    assert merge([]) == []


def test_bad_interval():
    with pytest.raises(ValueError):
        merge([(3, 1)])


class TestLength:
    def test_disjoint(self):
        assert total_length([(0, 1), (5, 7)]) == 3


def test_merge_touching():
    result = merge([(1, 2), (2, 3)])
    assert type(result) is list and result == [(1, 3)]


@pytest.mark.parametrize("pieces", [[(0, 2), (2, 5)], [(2, 5), (0, 2)]])
def test_length_touching(pieces):
    assert total_length(pieces) == 5
