from __future__ import annotations

import pytest

import m1env
from m1env import Task, TaskEnv
from m1env.envs.logic.base import generate_problem
from m1env.envs.logic.mixture import MixtureGenerator, RoutingVerifier, discover_families
from m1env.verifiers import get_verifier

MINE = ("sudoku", "futoshiki", "knights_knaves", "zebra", "maze", "sequence", "date_arith", "hanoi")


def test_default_is_uniform_over_discovered_families() -> None:
    gen = MixtureGenerator()
    assert set(MINE) <= set(gen.weights) == set(discover_families())
    assert len(set(gen.weights.values())) == 1
    picked = {gen.family(0, i) for i in range(400)}
    assert picked == set(gen.weights)


def test_weights_shape_the_draw_and_are_deterministic() -> None:
    gen = MixtureGenerator({"sudoku": 3, "maze": 1, "zebra": 0})
    draws = [gen.family(5, i) for i in range(2000)]
    assert set(draws) == {"sudoku", "maze"}
    assert 0.70 < draws.count("sudoku") / len(draws) < 0.80
    assert draws == [MixtureGenerator({"maze": 1, "sudoku": 3}).family(5, i) for i in range(2000)]
    assert draws != [gen.family(6, i) for i in range(2000)]


@pytest.mark.parametrize(
    "weights",
    [{"sudoku": -1}, {"sudoku": float("nan")}, {"nosuch": 1}, {"sudoku": 0}, {"sudoku": "1"}, [1]],
)
def test_bad_weights(weights: object) -> None:
    with pytest.raises(ValueError):
        MixtureGenerator(weights)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        m1env.make("m1env/Logic-v0", weights=weights)


def test_items_are_the_families_own_items_and_route_by_reference() -> None:
    env = m1env.make("m1env/Logic-v0", seed=3).unwrapped
    assert isinstance(env, TaskEnv)
    verifier = RoutingVerifier()
    families = set()
    for index in range(12):
        _, info = env.reset(options={"index": index, "difficulty": 4})
        task = Task.from_dict(info["task"])
        family = task.metadata["family"]
        families.add(family)
        own = generate_problem(family, 3, index, 4)
        assert task.reference == {"family": family, "reference": own.answer}
        assert own.question in task.question
        score = verifier.check(env.example_response(task), task.reference)
        assert score.is_correct and score.details["family"] == family
        wrong = verifier.check("<answer>?</answer>", task.reference)
        assert wrong.status == "incorrect" and wrong.reason
    assert len(families) >= 4


def test_routing_verifier_rejects_malformed_references() -> None:
    v = RoutingVerifier()
    assert v.check("<answer>1</answer>", {"reference": 1}).status == "error"
    assert v.check("<answer>1</answer>", {"family": "sudoku"}).status == "error"
    assert (
        "unknown logic family"
        in v.check("<answer>1</answer>", {"family": "nosuch", "reference": {}}).reason
    )
    # through the registry and the worker pool
    p = generate_problem("zebra", 0, 0, 2)
    ref = {"family": "zebra", "reference": p.answer}
    assert get_verifier("logic").verify(p.solution, ref).is_correct


def test_logic_env_passes_check_env_and_takes_a_curriculum() -> None:
    m1env.check_env("m1env/Logic-v0")
    env = m1env.make("m1env/Logic-v0", curriculum={"start": 7}).unwrapped
    assert isinstance(env, TaskEnv)
    _, info = env.reset(seed=1)
    assert info["task"]["metadata"]["difficulty"] == 7
