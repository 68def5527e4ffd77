"""Every installed logic family (``logic/*`` entry points) against the family contract.

Parametrised over the discovered families, so families added by other packages or
branches are covered without editing this file.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from m1env.envs.logic.base import FAMILIES, LogicVerifier, generate_problem, load_family
from m1env.envs.logic.mixture import discover_families
from m1env.verifiers import get_verifier

from ._helpers import MAX_ANSWER_CHARS, answer_of

NAMES = discover_families()
DIFFICULTIES = (1, 3, 5, 8, 10)


def test_my_families_are_discovered() -> None:
    mine = {
        "sudoku",
        "futoshiki",
        "knights_knaves",
        "zebra",
        "maze",
        "sequence",
        "date_arith",
        "hanoi",
    }
    assert mine <= set(NAMES)


@pytest.mark.parametrize("family", NAMES)
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_reference_scores_one_and_generation_is_deterministic(family: str, difficulty: int) -> None:
    verifier = LogicVerifier(family)
    for index in range(2):
        first = generate_problem(family, 11, index, difficulty)
        again = generate_problem(family, 11, index, difficulty)
        assert first == again
        json.dumps([first.answer, first.metadata])  # the reference and metadata are JSON
        assert first.metadata["family"] == family
        assert first.solution is not None
        score = verifier.check(first.solution, first.answer)
        assert score.status == "correct", (family, difficulty, index, score.reason)
        assert load_family(family).check(answer_of(first), first.answer).is_correct


@pytest.mark.parametrize("family", NAMES)
def test_items_differ_across_indices_and_seeds(family: str) -> None:
    questions = {generate_problem(family, seed, i, 5).question for seed in (0, 1) for i in range(6)}
    assert len(questions) >= 6


@pytest.mark.parametrize("family", NAMES)
@pytest.mark.parametrize(
    "response",
    [
        "",
        "I think the answer is 42.",
        "<answer>",
        "<answer></answer>",
        "<answer>🦓 garbage ### ???</answer>",
        "<answer>" + "x" * (MAX_ANSWER_CHARS + 1) + "</answer>",
        "<answer>" + "1 " * (MAX_ANSWER_CHARS // 2 - 5) + "</answer>",
    ],
    ids=["empty", "no-tags", "unclosed", "blank", "garbage", "too-long", "huge-numbers"],
)
def test_malformed_answers_score_zero_with_a_reason(family: str, response: str) -> None:
    problem = generate_problem(family, 3, 0, 5)
    score = LogicVerifier(family).check(response, problem.answer)
    assert score.status == "incorrect"
    assert score.score == 0.0
    assert len(score.reason) > 5


@pytest.mark.parametrize("family", NAMES)
def test_config_validation(family: str) -> None:
    fam = load_family(family)
    for bad in (0, 11, "5", True):
        with pytest.raises(ValueError):
            fam.config(bad)  # type: ignore[arg-type]
    assert type(fam.config(5)) is fam.config_cls


def test_registered_through_the_real_verifier_pool() -> None:
    problem = generate_problem("sudoku", 0, 0, 2)
    assert problem.solution is not None
    assert get_verifier("logic/sudoku").verify(problem.solution, problem.answer).is_correct
    wrong = get_verifier("logic/sudoku").verify("<answer>1</answer>", problem.answer)
    assert wrong.status == "incorrect" and "digits" in wrong.reason
    assert set(FAMILIES) >= {"sudoku"}


def _cli(*args: str, stdin: str | None = None) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "m1env.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return out.stdout


@pytest.mark.parametrize(
    ("env_id", "verifier"),
    [
        ("m1env/Zebra-v0", "logic/zebra"),
        ("m1env/Hanoi-v0", "logic/hanoi"),
        ("m1env/Logic-v0", "logic"),
    ],
)
def test_cli_tasks_then_score(env_id: str, verifier: str) -> None:
    tasks = [
        json.loads(line)
        for line in _cli("tasks", env_id, "-n", "2", "--difficulty", "3").splitlines()
    ]
    assert len(tasks) == 2
    lines = [
        json.dumps({"id": t["id"], "response": t["example_response"], "reference": t["reference"]})
        for t in tasks
    ]
    lines.append(
        json.dumps(
            {"id": "bad", "response": "<answer>nope</answer>", "reference": tasks[0]["reference"]}
        )
    )
    results = [
        json.loads(line)
        for line in _cli("score", "-v", verifier, "-j", "1", stdin="\n".join(lines)).splitlines()
    ]
    assert [r["status"] for r in results] == ["correct"] * 2 + ["incorrect"]
    assert results[-1]["reason"]


@pytest.mark.parametrize("family", NAMES)
def test_family_env_passes_check_env(family: str) -> None:
    import m1env

    env_id = f"m1env/{load_family(family).title}-v0"
    m1env.check_env(env_id)
    env = m1env.make(env_id, difficulty=2, config={}).unwrapped
    _, info = env.reset(seed=0)
    assert info["task"]["metadata"]["family"] == family
    assert info["task"]["metadata"]["difficulty"] == 2


@pytest.mark.slow
@pytest.mark.parametrize("family", NAMES)
def test_soak_many_items_every_difficulty(family: str) -> None:
    """Rare generator failures (a division by zero, an ambiguous draw) show up here."""
    verifier = LogicVerifier(family)
    for difficulty in range(1, 11):
        for index in range(40):
            problem = generate_problem(family, 2024, index, difficulty)
            assert problem.solution is not None
            score = verifier.check(problem.solution, problem.answer)
            assert score.is_correct, (difficulty, index, score.reason)
