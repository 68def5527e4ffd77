"""Small directed-graph toolkit: traversal, shortest paths, topological order."""

from graphkit.errors import CycleError, GraphError, NodeNotFound
from graphkit.graph import DiGraph
from graphkit.paths import shortest_path
from graphkit.toposort import build_levels, topological_sort
from graphkit.traversal import bfs, dfs

__all__ = [
    "CycleError",
    "DiGraph",
    "GraphError",
    "NodeNotFound",
    "bfs",
    "build_levels",
    "dfs",
    "shortest_path",
    "topological_sort",
]
