"""Graph colouring: colour every vertex with one of k colours so no edge is monochrome.

Difficulty raises the vertex count, the number of colours and the edge density. Every
puzzle is solvable by construction: the generator plants a colouring (each colour used
at least once) and only adds edges between differently coloured vertices. The checker
accepts *any* proper colouring with colours 1..k -- not only the planted one -- and
names the first edge whose ends share a colour.

Answer format: ``vertex: colour`` pairs (``0: 1, 1: 3, 2: 2``, separated by commas,
semicolons or newlines; ``=`` or ``->`` work as well as ``:``; ``vertex 0: colour 1``
is read too), or just the n colours in vertex order (``1 3 2 ...``).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any, Self

from m1env.envs.logic.base import Family, FamilyConfig, Puzzle, register_family
from m1env.sources import check_difficulty
from m1env.verifiers import Score

__all__ = ["GraphColoring", "GraphColoringConfig", "parse_coloring"]

_PAIR = re.compile(
    r"(?:\b(?:vertex|node)\s*)?(\d+)\s*(?::|=|->|→)\s*(?:colou?r\s*)?(\d+)", re.IGNORECASE
)
_INT = re.compile(r"-?\d+")


@dataclass(frozen=True)
class GraphColoringConfig(FamilyConfig):
    vertices: int = 12
    colors: int = 3
    edge_prob: float = 0.5

    def __post_init__(self) -> None:
        if not 2 <= self.vertices <= 100:
            raise ValueError(f"vertices must be in [2, 100], got {self.vertices}")
        if not 2 <= self.colors <= min(9, self.vertices):
            raise ValueError(f"colors must be in [2, min(9, vertices)], got {self.colors}")
        if not 0.0 < self.edge_prob <= 1.0:
            raise ValueError(f"edge_prob must be in (0, 1], got {self.edge_prob}")

    @classmethod
    def for_difficulty(cls, difficulty: int) -> Self:
        d = check_difficulty(difficulty)
        return cls(vertices=4 + 2 * d, colors=3 if d <= 6 else 4, edge_prob=0.3 + 0.04 * d)


def parse_coloring(text: str, vertices: int) -> list[int]:
    """Colours by vertex from ``v: c`` pairs or a plain list; ValueError says why not."""
    pairs = _PAIR.findall(text)
    if pairs:
        rest = _PAIR.sub(" ", text)
        if re.search(r"[0-9]", rest):
            raise ValueError("found numbers outside 'vertex: colour' pairs")
        if re.search(r"[A-Za-z]", rest):
            raise ValueError("found words outside 'vertex: colour' pairs")
        colors: dict[int, int] = {}
        for v_text, c_text in pairs:
            v = int(v_text)
            if not 0 <= v < vertices:
                raise ValueError(f"vertex {v} does not exist (vertices are 0..{vertices - 1})")
            if v in colors:
                raise ValueError(f"vertex {v} is coloured twice")
            colors[v] = int(c_text)
        missing = [v for v in range(vertices) if v not in colors]
        if missing:
            raise ValueError(f"vertices {missing[:10]} have no colour")
        return [colors[v] for v in range(vertices)]
    values = [int(x) for x in _INT.findall(text)]
    if len(values) != vertices:
        raise ValueError(
            f"expected {vertices} colours (or 'vertex: colour' pairs), found {len(values)} numbers"
        )
    return values


class GraphColoring(Family):
    name = "graph_coloring"
    title = "GraphColoring"
    description = "colour a graph's vertices with k colours so that no edge is monochrome"
    config_cls = GraphColoringConfig

    def generate(self, rng: random.Random, config: GraphColoringConfig) -> Puzzle:
        n, k = config.vertices, config.colors
        planted = list(range(1, k + 1)) + [rng.randint(1, k) for _ in range(n - k)]
        rng.shuffle(planted)
        edges = [
            [u, v]
            for u in range(n)
            for v in range(u + 1, n)
            if planted[u] != planted[v] and rng.random() < config.edge_prob
        ]
        edge_text = ", ".join(f"{u}-{v}" for u, v in edges)
        question = (
            f"A graph has {n} vertices numbered 0 to {n - 1} and these {len(edges)} edges: "
            f"{edge_text}.\n"
            f"Colour every vertex with one of the colours 1 to {k} so that no edge joins two "
            f"vertices of the same colour. Any valid colouring is accepted.\n"
            f"Answer format: one `vertex: colour` pair per vertex, separated by commas, "
            f"e.g. `0: 1, 1: 2, 2: 1`."
        )
        answer = ", ".join(f"{v}: {c}" for v, c in enumerate(planted))
        return Puzzle(
            question=question,
            reference={"vertices": n, "colors": k, "edges": edges, "solution": planted},
            answer=answer,
            explanation="Colour greedily, backtracking when a vertex has no free colour.",
            metadata={"edges": len(edges)},
        )

    def check(self, answer: str, reference: Any) -> Score:
        n, k = reference["vertices"], reference["colors"]
        try:
            colors = parse_coloring(answer, n)
        except ValueError as exc:
            return Score.incorrect(f"cannot read the colouring: {exc}")
        for v, c in enumerate(colors):
            if not 1 <= c <= k:
                return Score.incorrect(f"vertex {v} has colour {c}, not one of 1..{k}")
        for u, v in reference["edges"]:
            if colors[u] == colors[v]:
                return Score.incorrect(f"edge {u}-{v} joins two vertices of colour {colors[u]}")
        return Score.correct()


SPEC, verifier = register_family(GraphColoring)
