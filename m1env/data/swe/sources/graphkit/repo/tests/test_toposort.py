from graphkit import DiGraph, build_levels, topological_sort


def _respects_edges(graph, order):
    pos = {n: i for i, n in enumerate(order)}
    return all(pos[s] < pos[d] for s, d, _ in graph.edges())


def test_diamond():
    g = DiGraph([("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")])
    order = topological_sort(g)
    assert sorted(order) == ["a", "b", "c", "d"] and _respects_edges(g, order)


def test_isolated_nodes_are_kept():
    g = DiGraph([("x", "y")])
    g.add_node("lonely")
    assert set(topological_sort(g)) == {"x", "y", "lonely"}


def test_build_levels():
    g = DiGraph([("lib", "app"), ("lib", "tests"), ("app", "docs")])
    assert build_levels(g) == [["lib"], ["app", "tests"], ["docs"]]
