"""A directed graph with optional edge weights."""

from graphkit.errors import NodeNotFound


class DiGraph:
    def __init__(self, edges=()):
        self._succ = {}
        for edge in edges:
            self.add_edge(*edge)

    def add_node(self, node):
        self._succ.setdefault(node, {})

    def add_edge(self, src, dst, weight=1):
        if weight < 0:
            raise ValueError("edge weights must be non-negative")
        self.add_node(src)
        self.add_node(dst)
        self._succ[src][dst] = weight

    @property
    def nodes(self):
        return list(self._succ)

    def __contains__(self, node):
        return node in self._succ

    def __len__(self):
        return len(self._succ)

    def successors(self, node):
        """Successors in insertion order."""
        try:
            return list(self._succ[node])
        except KeyError:
            raise NodeNotFound(node) from None

    def weight(self, src, dst):
        return self._succ[src][dst]

    def edges(self):
        return [(s, d, w) for s, nbrs in self._succ.items() for d, w in nbrs.items()]
