"""Topological order of a DAG, and grouping into build levels."""

from graphkit.errors import CycleError


def topological_sort(graph):
    """Every node, each before all of its successors.

    Ties follow insertion order. Raises CycleError (with the cycle) when the graph is
    not acyclic.
    """
    visited = set()
    # The path of the current descent: meeting one of its nodes again closes a cycle.
    path = []
    on_path = set()
    order = []

    def visit(node):
        if node in on_path:
            raise CycleError(path[path.index(node) :] + [node])
        if node in visited:
            return
        visited.add(node)
        path.append(node)
        on_path.add(node)
        for nxt in graph.successors(node):
            visit(nxt)
        path.pop()
        on_path.discard(node)
        order.append(node)

    for node in graph.nodes:
        visit(node)
    return order[::-1]


def build_levels(graph):
    """Nodes grouped so that each group only depends on earlier groups.

    An edge ``a -> b`` means "a must be built before b".
    """
    level = {}
    for node in topological_sort(graph):
        level.setdefault(node, 0)
        for nxt in graph.successors(node):
            level[nxt] = max(level.get(nxt, 0), level[node] + 1)
    groups = {}
    for node, depth in level.items():
        groups.setdefault(depth, []).append(node)
    return [groups[d] for d in sorted(groups)]
