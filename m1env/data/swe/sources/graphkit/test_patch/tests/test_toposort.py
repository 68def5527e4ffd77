import pytest

from graphkit import CycleError, DiGraph, build_levels, topological_sort


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


def _is_cycle(graph, cycle):
    edges = {(s, d) for s, d, _ in graph.edges()}
    return (
        len(cycle) >= 2
        and cycle[0] == cycle[-1]
        and all(pair in edges for pair in zip(cycle, cycle[1:]))
    )


@pytest.mark.parametrize(
    "edges",
    [
        [("a", "b"), ("b", "c"), ("c", "a")],
        [("start", "a"), ("a", "b"), ("b", "a"), ("b", "end")],
        [("a", "a")],
    ],
    ids=["triangle", "cycle-behind-entry", "self-loop"],
)
def test_cycle_is_reported(edges):
    g = DiGraph(edges)
    with pytest.raises(CycleError) as info:
        topological_sort(g)
    assert _is_cycle(g, info.value.cycle)


def test_build_levels_refuses_cycles():
    with pytest.raises(CycleError):
        build_levels(DiGraph([("lib", "app"), ("app", "lib")]))


def test_shared_dependency_is_not_a_cycle():
    g = DiGraph([("a", "c"), ("b", "c"), ("c", "d"), ("a", "d")])
    assert _respects_edges(g, topological_sort(g))
