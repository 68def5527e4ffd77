"""Exceptions of graphkit."""


class GraphError(Exception):
    """Base class."""


class NodeNotFound(GraphError, KeyError):
    """The node is not in the graph."""


class CycleError(GraphError):
    """The graph has a cycle where an acyclic graph is required.

    ``cycle`` lists the nodes of one cycle, first node repeated at the end:
    ``["a", "b", "a"]``.
    """

    def __init__(self, cycle):
        super().__init__("cycle: " + " -> ".join(map(str, cycle)))
        self.cycle = list(cycle)
