"""Environment-level checks of the logic-b families: check_env and the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import m1env

FAMILIES = {
    "calcudoku": "Calcudoku",
    "cryptarithm": "Cryptarithm",
    "graph_coloring": "GraphColoring",
    "minesweeper": "Minesweeper",
    "nonogram": "Nonogram",
    "sat": "Sat",
    "takuzu": "Takuzu",
    "word_ladder": "WordLadder",
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_registered_env_passes_check_env(family):
    env_id = f"m1env/{FAMILIES[family]}-v0"
    assert env_id in m1env.env_ids()
    assert m1env.spec(env_id).verifier == f"logic/{family}"
    m1env.check_env(env_id, episodes=2)


def test_wrong_answer_through_the_env_scores_0_with_reason():
    env = m1env.make("m1env/Takuzu-v0", difficulty=3)
    env.reset(seed=1)
    _, reward, terminated, _, info = env.step("<answer>0 1\n1 0</answer>")
    assert reward == 0.0 and terminated and "expected 6 rows" in info["score"].reason


def _cli(*args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "m1env.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize("family", ["minesweeper", "word_ladder", "calcudoku"])
def test_cli_tasks_then_score_marks_example_responses_correct(family):
    env_id = f"m1env/{FAMILIES[family]}-v0"
    tasks = [
        json.loads(line)
        for line in _cli("tasks", env_id, "-n", "3", "--difficulty", "4").splitlines()
    ]
    assert len(tasks) == 3 and all(t["metadata"]["difficulty"] == 4 for t in tasks)
    lines = [
        json.dumps({"id": t["id"], "response": t["example_response"], "reference": t["reference"]})
        for t in tasks
    ]
    lines.append(
        json.dumps({"id": "bad", "response": "no tags", "reference": tasks[0]["reference"]})
    )
    out = [
        json.loads(line)
        for line in _cli(
            "score", "--verifier", f"logic/{family}", "-j", "1", stdin="\n".join(lines)
        ).splitlines()
    ]
    assert [o["status"] for o in out] == ["correct"] * 3 + ["incorrect"]
    assert "no final answer" in out[-1]["reason"]
