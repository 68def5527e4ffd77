from __future__ import annotations

import pytest

from m1env.envs.logic.graph_coloring import GraphColoringConfig
from tests.logic.helpers_b import answer_of, assert_correct, assert_wrong, check_contract, items

F = "graph_coloring"


def test_contract():
    check_contract(F)


def test_planted_colouring_is_proper_and_equivalents_score_1():
    for p in items(F):
        ref = p.answer
        colors = ref["solution"]
        assert all(colors[u] != colors[v] for u, v in ref["edges"])  # solvable by construction
        assert_correct(F, answer_of(p), ref)
        k = ref["colors"]
        swapped = [(c % k) + 1 for c in colors]  # another valid colouring: rotate the colours
        assert swapped != colors
        assert_correct(F, "\n".join(f"{v} = {c}" for v, c in enumerate(swapped)), ref)
        assert_correct(F, " ".join(map(str, colors)), ref)  # plain list form
        long_form = "; ".join(f"Vertex {v} -> colour {c}" for v, c in enumerate(colors))
        assert_correct(F, long_form, ref)


def test_wrong_colourings_score_0_with_reason():
    p = items(F, seeds=1, difficulties=(5,))[0]
    ref = p.answer
    colors = list(ref["solution"])
    u, v = ref["edges"][0]
    bad = list(colors)
    bad[v] = bad[u]
    assert_wrong(F, ", ".join(f"{i}: {c}" for i, c in enumerate(bad)), ref, f"edge {u}-{v}")
    bad = list(colors)
    bad[0] = ref["colors"] + 1
    assert_wrong(F, ", ".join(f"{i}: {c}" for i, c in enumerate(bad)), ref, "not one of")
    assert_wrong(F, ", ".join(f"{i}: {c}" for i, c in enumerate(colors[:-1])), ref, "no colour")
    assert_wrong(F, answer_of(p) + ", 0: 1", ref, "twice")
    assert_wrong(F, " ".join(map(str, colors[:-1])), ref, "expected")
    assert_wrong(F, answer_of(p) + " probably", ref, "words outside")


def test_config_validates():
    with pytest.raises(ValueError):
        GraphColoringConfig(vertices=1)
    with pytest.raises(ValueError):
        GraphColoringConfig(edge_prob=0)
