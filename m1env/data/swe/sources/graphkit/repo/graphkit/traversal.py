"""Breadth- and depth-first traversal orders."""

from collections import deque

from graphkit.errors import NodeNotFound


def bfs(graph, start):
    """Nodes reachable from ``start`` in breadth-first order."""
    if start not in graph:
        raise NodeNotFound(start)
    seen = {start}
    order = []
    queue = deque([start])
    while queue:
        node = queue.popleft()
        order.append(node)
        for nxt in graph.successors(node):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return order


def dfs(graph, start):
    """Nodes reachable from ``start`` in depth-first preorder (iterative: no recursion limit)."""
    if start not in graph:
        raise NodeNotFound(start)
    seen = set()
    order = []
    stack = [start]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        order.append(node)
        stack.extend(reversed(graph.successors(node)))
    return order
