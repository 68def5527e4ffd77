from __future__ import annotations

import pytest

from m1env.envs.logic.futoshiki import FutoshikiConfig, solve

from ._helpers import problems, score


def _grid(values: list[int], size: int) -> str:
    return "\n".join(" ".join(map(str, values[r * size : (r + 1) * size])) for r in range(size))


@pytest.mark.parametrize("difficulty", [1, 4, 7, 10])
def test_solver_proves_a_unique_solution(difficulty: int) -> None:
    for p in problems("futoshiki", (difficulty,), count=2):
        ref = p.answer
        givens = {int(k): v for k, v in ref["givens"].items()}
        found = solve(ref["size"], givens, [tuple(x) for x in ref["less"]], limit=3)
        assert found == [ref["solution"]]
        assert ref["size"] == FutoshikiConfig.for_difficulty(difficulty).size


def test_solver_counts_an_unconstrained_square_as_ambiguous() -> None:
    assert len(solve(4, {}, [], limit=2)) == 2


def test_violations_are_named() -> None:
    p = problems("futoshiki", (5,), count=1)[0]
    ref = p.answer
    size = ref["size"]
    # relabel digits 1<->2 everywhere: still a Latin square, but breaks a given or a sign
    swapped = [{1: 2, 2: 1}.get(v, v) for v in ref["solution"]]
    s = score("futoshiki", _grid(swapped, size), ref)
    assert s.status == "incorrect" and ("given" in s.reason or "<" in s.reason)
    bad_row = list(ref["solution"])
    bad_row[0] = bad_row[1]
    assert (
        "repeats" in score("futoshiki", _grid(bad_row, size), ref).reason
        or "given" in score("futoshiki", _grid(bad_row, size), ref).reason
    )


def test_inequality_reason() -> None:
    ref = {"size": 3, "givens": {}, "less": [[0, 1]], "solution": [1, 2, 3, 2, 3, 1, 3, 1, 2]}
    s = score("futoshiki", "2 1 3\n1 3 2\n3 2 1", ref)
    assert s.status == "incorrect" and "R1C1 < R1C2" in s.reason


def test_equivalent_formats() -> None:
    p = problems("futoshiki", (2,), count=1)[0]
    sol = p.answer["solution"]
    assert score("futoshiki", "".join(map(str, sol)), p.answer).is_correct
    assert score(
        "futoshiki",
        "\n".join(",".join(map(str, sol[r * 4 : r * 4 + 4])) for r in range(4)),
        p.answer,
    ).is_correct


def test_config_validation() -> None:
    with pytest.raises(ValueError):
        FutoshikiConfig(size=2)
    with pytest.raises(ValueError):
        FutoshikiConfig(density=1.5)
