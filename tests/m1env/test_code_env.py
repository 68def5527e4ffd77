"""m1env/Code-v0, its JSONL loader, the bundled problems and ``m1env score --verifier code``."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import m1env
from m1env import TaskError
from m1env.checker import check_env
from m1env.envs.code import CodeEnv, CodeProblem, load_problems
from m1env.envs.code.env import fenced
from m1env.sources import DatasetSource
from m1env.verifiers.code import CodeVerifier, parse_reference

PROBLEMS = load_problems()
BY_ID = {p.id: p for p in PROBLEMS}


def test_bundled_set_covers_the_brief() -> None:
    assert len(PROBLEMS) >= 30
    kinds = {p.kind for p in PROBLEMS}
    assert kinds == {"stdin", "call"}
    assert any(parse_reference(p.reference).checker for p in PROBLEMS)
    levels = [p.difficulty or 0 for p in PROBLEMS]
    assert min(levels) <= 2 and max(levels) >= 7
    for p in PROBLEMS:
        assert p.solutions.get("python3") and p.wrong_solutions.get("python3"), p.id
    assert sum(bool(p.solutions.get("c++")) for p in PROBLEMS) >= 5


def _sweep(problem: CodeProblem, language: str = "python3") -> list[str]:
    """Failures: a correct solution not scoring correct, a wrong one scoring correct."""
    verifier = CodeVerifier()
    found = []
    for src in problem.solutions.get(language, []):
        res = verifier.verify(fenced(src, language), problem.reference, language=language)
        if res.status != "correct":
            found.append(
                f"{problem.id} [{language}] correct solution scored {res.status}: {res.reason}"
            )
    if language == "python3":
        for src in problem.wrong_solutions["python3"]:
            res = verifier.verify(fenced(src, language), problem.reference, time_limit_s=1.0)
            if res.status != "incorrect" or res.score != 0.0:
                found.append(f"{problem.id} wrong solution scored {res.status}: {res.reason}")
    return found


@pytest.mark.parametrize("pid", ["sum-two", "pair-sum", "max-subarray", "word-freq"])
def test_bundled_solutions_sample(pid: str) -> None:
    assert _sweep(BY_ID[pid]) == []


def test_bundled_cpp_solution_sample() -> None:
    assert _sweep(BY_ID["range-sums"], "c++") == []


@pytest.mark.slow
def test_every_bundled_solution_scores_as_labelled() -> None:
    jobs = [(p, "python3") for p in PROBLEMS] + [
        (p, "c++") for p in PROBLEMS if p.solutions.get("c++")
    ]
    with ThreadPoolExecutor(2) as pool:
        failures = [f for found in pool.map(lambda job: _sweep(*job), jobs) for f in found]
    assert failures == []


def test_check_env_python_and_cpp() -> None:
    check_env("m1env/Code-v0")
    env = m1env.registry.spec("m1env/Code-v0").make(language="cpp")
    assert isinstance(env, CodeEnv)
    assert isinstance(env.source, DatasetSource)
    assert all(p.metadata["kind"] == "stdin" for p in env.source.problems)
    check_env(env, episodes=1)


def test_prompt_example_and_scoring() -> None:
    env = m1env.make("m1env/Code-v0")
    obs, info = env.reset(seed=5, options={"index": 0})
    assert "```python" in obs and info["task"]["metadata"]["kind"] in ("stdin", "call")
    task = m1env.Task.from_dict(info["task"])
    raw = env.unwrapped
    assert isinstance(raw, CodeEnv)
    example = raw.example_response(task)
    assert example.rstrip().endswith("```")
    _, reward, terminated, _, step_info = env.step(example)
    assert terminated and reward == 1.0 and step_info["score"].details["verdict"] == "accepted"
    env.reset(seed=5, options={"index": 0})
    _, reward, _, _, step_info = env.step("no code at all")
    assert reward == 0.0 and step_info["status"] == "incorrect"


def _write(path: Path, rows: Sequence[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


APPS_ROW: dict[str, Any] = {
    "problem_id": 7,
    "question": "Print the square of n.",
    "input_output": json.dumps({"inputs": ["3\n", "-4\n"], "outputs": ["9\n", "16\n"]}),
    "solutions": json.dumps(["n = int(input())\nprint(n * n)\n"]),
    "difficulty": "introductory",
    "starter_code": "",
}
APPS_CALL_ROW: dict[str, Any] = {
    "problem_id": 8,
    "question": "Return the square of n.",
    "input_output": json.dumps(
        {"inputs": [[3], [-4]], "outputs": [[9], [16]], "fn_name": "square"}
    ),
    "solutions": json.dumps(["def square(n):\n    return n * n\n"]),
    "difficulty": "interview",
    "starter_code": "def square(n):",
}
CC_ROW: dict[str, Any] = {
    "name": "cube",
    "description": "Print the cube of n.",
    "public_tests": {"input": ["2\n"], "output": ["8\n"]},
    "private_tests": {"input": ["3\n"], "output": ["27\n"]},
    "generated_tests": {"input": ["-1\n"], "output": ["-1\n"]},
    "solutions": {
        "language": [2, 3],
        "solution": [
            '#include <cstdio>\nint main(){long long n;scanf("%lld",&n);printf("%lld\\n",n*n*n);}\n',
            "n = int(input())\nprint(n ** 3)\n",
        ],
    },
    "incorrect_solutions": {"language": [3], "solution": ["print(8)\n"]},
    "time_limit": {"seconds": 2, "nanos": 0},
    "memory_limit_bytes": 256 * 1024 * 1024,
    "difficulty": 7,
}


def test_loader_reads_apps_and_codecontests_rows(tmp_path: Path) -> None:
    path = _write(tmp_path / "mixed.jsonl", [APPS_ROW, APPS_CALL_ROW, CC_ROW])
    problems = load_problems(path)
    assert [p.kind for p in problems] == ["stdin", "call", "stdin"]
    assert problems[0].difficulty == 2 and problems[2].difficulty == 7
    assert problems[2].solutions.keys() == {"c++", "python3"}
    assert problems[2].wrong_solutions == {"python3": ["print(8)\n"]}
    env = CodeEnv(path=path)
    check_env(env, episodes=3)
    cpp = CodeEnv(path=path, language="c++")
    assert cpp.source.size == 1
    check_env(cpp, episodes=1)
    wrong = CodeVerifier().verify("```python\nprint(8)\n```", problems[2].reference)
    assert wrong.status == "incorrect"


def test_loader_rejects_bad_rows_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(APPS_ROW) + "\n{not json\n")
    with pytest.raises(TaskError, match=r"bad.jsonl:2"):
        load_problems(path)
    _write(path, [{**APPS_ROW, "input_output": json.dumps({"inputs": ["1"], "outputs": []})}])
    with pytest.raises(TaskError, match=r"bad.jsonl:1"):
        load_problems(path)
    _write(path, [{"question": "no tests"}])
    with pytest.raises(TaskError, match="no tests"):
        load_problems(path)
    with pytest.raises(TaskError, match="cannot read"):
        load_problems(tmp_path / "missing.jsonl")
    with pytest.raises(ValueError, match="unsupported language"):
        CodeEnv(language="cobol")
    with pytest.raises(ValueError, match="mode"):
        CodeEnv(mode="most")
    with pytest.raises(ValueError, match="time_limit_s"):
        CodeEnv(time_limit_s=-1)


def test_cli_score_with_the_code_verifier(tmp_path: Path) -> None:
    square = BY_ID["sum-two"]
    lines = [
        {"id": "apps-ok", "response": "```python\nn = int(input())\nprint(n * n)\n```",
         "reference": APPS_ROW["input_output"]},
        {"id": "call-wrong", "response": "```python\ndef square(n):\n    return n * n if n > 0 else 0\n```",
         "reference": json.loads(APPS_CALL_ROW["input_output"]), "options": {"mode": "fraction"}},
        {"id": "cc-cpp", "response": fenced(CC_ROW["solutions"]["solution"][0], "c++"),
         "reference": {k: CC_ROW[k] for k in ("public_tests", "private_tests", "generated_tests")},
         "options": {"language": "cpp", "time_limit_s": 1, "memory_mb": 128}},
        {"id": "loop", "response": "```python\nwhile True: pass\n```",
         "reference": square.reference, "options": {"time_limit_s": 0.3}},
        {"id": "bad-option", "response": "```python\nprint(1)\n```",
         "reference": square.reference, "options": {"mode": "some"}},
    ]  # fmt: skip
    src = _write(tmp_path / "in.jsonl", lines)
    out = tmp_path / "out.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "m1env", "score", "--verifier", "code", "-i", str(src), "-o", str(out),
         "-j", "2", "--details"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    results = {r["id"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert results["apps-ok"]["status"] == "correct"
    assert results["call-wrong"]["status"] == "incorrect" and results["call-wrong"]["score"] == 0.5
    assert (
        results["cc-cpp"]["status"] == "correct"
        and results["cc-cpp"]["details"]["language"] == "c++"
    )
    assert results["loop"]["details"]["verdict"] == "time_limit"
    assert results["bad-option"]["status"] == "error" and "mode" in results["bad-option"]["reason"]
