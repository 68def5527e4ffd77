import pytest

from graphkit import DiGraph, NodeNotFound, bfs, dfs

G = DiGraph([("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("d", "e")])


def test_bfs_order():
    assert bfs(G, "a") == ["a", "b", "c", "d", "e"]


def test_dfs_order():
    assert dfs(G, "a") == ["a", "b", "d", "e", "c"]


def test_traversal_from_sink():
    assert bfs(G, "e") == dfs(G, "e") == ["e"]


def test_unknown_start():
    with pytest.raises(NodeNotFound):
        bfs(G, "zz")
