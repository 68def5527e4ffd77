from __future__ import annotations

import pytest

from m1env.envs.logic.zebra import ZebraConfig, holds, solve

from ._helpers import answer_of, problems, score


@pytest.mark.parametrize("difficulty", [1, 4, 7, 10])
def test_solver_proves_uniqueness_and_every_clue_is_needed(difficulty: int) -> None:
    for p in problems("zebra", (difficulty,), count=2):
        ref = p.answer
        n, cats = ref["houses"], len(ref["categories"])
        assert solve(n, cats, ref["clues"], limit=3) == [ref["solution"]]
        assert all(holds(c, ref["solution"]) for c in ref["clues"])
        for k in range(len(ref["clues"])):
            rest = ref["clues"][:k] + ref["clues"][k + 1 :]
            assert len(solve(n, cats, rest)) == 2, "a redundant clue was kept"
        cfg = ZebraConfig.for_difficulty(difficulty)
        assert (n, cats) == (cfg.houses, cfg.categories)


def test_swapped_houses_violate_a_clue() -> None:
    p = problems("zebra", (5,), count=1)[0]
    lines = answer_of(p).splitlines()
    first, second = lines[0].split(": ", 1)[1], lines[1].split(": ", 1)[1]
    swapped = [f"House 1: {second}", f"House 2: {first}", *lines[2:]]
    s = score("zebra", "\n".join(swapped), p.answer)
    assert s.status == "incorrect" and "clue" in s.reason


def test_equivalent_formats() -> None:
    p = problems("zebra", (5,), count=1)[0]
    lines = answer_of(p).splitlines()
    shuffled = []
    for line in reversed(lines):
        head, values = line.split(": ", 1)
        shuffled.append(f"{head.lower()} - {' ; '.join(reversed(values.upper().split(', ')))}.")
    assert score("zebra", "\n\n".join(shuffled), p.answer).is_correct


def test_incomplete_and_unknown_values() -> None:
    p = problems("zebra", (3,), count=1)[0]
    lines = answer_of(p).splitlines()
    assert "no house given" in score("zebra", "\n".join(lines[:-1]), p.answer).reason
    assert "not an attribute" in score("zebra", lines[0] + ", unicorn", p.answer).reason
    assert "no house 9" in score("zebra", "House 9: red", p.answer).reason
    assert "cannot read" in score("zebra", "The Brit drinks tea", p.answer).reason


def test_config_validation() -> None:
    with pytest.raises(ValueError):
        ZebraConfig(houses=7)
    with pytest.raises(ValueError):
        ZebraConfig(categories=1)
