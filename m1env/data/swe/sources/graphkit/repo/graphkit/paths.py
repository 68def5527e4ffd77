"""Shortest paths on non-negative weights (Dijkstra)."""

import heapq
from itertools import count

from graphkit.errors import GraphError, NodeNotFound


def shortest_path(graph, src, dst):
    """``(cost, [src, ..., dst])``; raises GraphError when ``dst`` is unreachable."""
    for node in (src, dst):
        if node not in graph:
            raise NodeNotFound(node)
    tie = count()  # nodes need not be comparable
    heap = [(0, next(tie), src)]
    best = {src: 0}
    parent = {src: None}
    while heap:
        cost, _, node = heapq.heappop(heap)
        if node == dst:
            path = []
            while node is not None:
                path.append(node)
                node = parent[node]
            return cost, path[::-1]
        if cost > best[node]:
            continue
        for nxt in graph.successors(node):
            new = cost + graph.weight(node, nxt)
            if new < best.get(nxt, float("inf")):
                best[nxt] = new
                parent[nxt] = node
                heapq.heappush(heap, (new, next(tie), nxt))
    raise GraphError(f"{dst!r} is not reachable from {src!r}")
