import pytest

from graphkit import DiGraph, GraphError, shortest_path


def test_cheapest_not_shortest():
    g = DiGraph([("s", "t", 10), ("s", "a", 1), ("a", "b", 1), ("b", "t", 1)])
    assert shortest_path(g, "s", "t") == (3, ["s", "a", "b", "t"])


def test_unreachable():
    g = DiGraph([("s", "a")])
    g.add_node("t")
    with pytest.raises(GraphError):
        shortest_path(g, "s", "t")


def test_negative_weight_refused():
    with pytest.raises(ValueError):
        DiGraph([("a", "b", -1)])
