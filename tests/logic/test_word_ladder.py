from __future__ import annotations

import pytest

from m1env.envs.logic.base import generate_problem
from m1env.envs.logic.word_ladder import WordLadderConfig, distances, neighbours, words
from tests.logic.helpers_b import answer_of, assert_correct, assert_wrong, check_contract, items

F = "word_ladder"


def all_shortest(start: str, target: str) -> list[list[str]]:
    dist = distances(start)
    paths = [[target]]
    while paths[0][-1] != start:
        paths = [
            [*p, w] for p in paths for w in neighbours(p[-1]) if dist.get(w) == dist[p[-1]] - 1
        ]
    return [p[::-1] for p in paths]


def test_word_list_is_shipped_and_sane():
    ws = words()
    assert len(ws) > 300
    assert all(len(w) == 4 and w.isalpha() and w.islower() for w in ws)
    assert {"cold", "warm", "word", "game"} <= set(ws)


def test_contract():
    check_contract(F)


def test_every_shortest_ladder_scores_1():
    for p in items(F):
        ref = p.answer
        assert distances(ref["start"])[ref["target"]] == ref["steps"]  # solvable: BFS distance
        assert_correct(F, answer_of(p), ref)
        ladders = all_shortest(ref["start"], ref["target"])
        for ladder in ladders[:20]:
            assert_correct(F, ", ".join(ladder), ref)
            assert_correct(F, "\n".join(w.upper() for w in ladder), ref)
            assert_correct(F, " → ".join(ladder), ref)


def test_wrong_ladders_score_0_with_reason():
    p = generate_problem(F, 0, 0, 5)
    ref = p.answer
    ladder = ref["solution"]
    assert_wrong(F, " -> ".join(ladder[1:]), ref, "must start with")
    assert_wrong(F, " -> ".join(ladder[:-1]), ref, "must end with")
    assert_wrong(F, " -> ".join([ladder[0], "zzzz", *ladder[1:]]), ref, "not in the word list")
    assert_wrong(F, " -> ".join([ladder[0], *ladder[2:]]), ref, "exactly one letter")
    detour = [ladder[0], ladder[1], ladder[0], *ladder[1:]]
    assert_wrong(F, " -> ".join(detour), ref, "repeats")


def test_longer_ladders_fail_shortest_and_pass_the_any_length_config():
    for index in range(20):
        ref = generate_problem(F, 0, index, 4).answer
        ladder = ref["solution"]
        detours = [
            w for w in neighbours(ladder[0]) if w not in ladder and ladder[1] in neighbours(w)
        ]
        if detours:
            break
    else:
        pytest.fail("no ladder with a one-word detour in 20 items")
    longer = [ladder[0], detours[0], *ladder[1:]]
    assert_wrong(F, " -> ".join(longer), ref, "shortest takes")
    assert_correct(F, " -> ".join(longer), dict(ref, shortest=False))
    question = generate_problem(F, 1, 2, 3, {"shortest": False}).question
    assert "never repeating" in question


def test_config_validates():
    with pytest.raises(ValueError):
        WordLadderConfig(steps=0)
