"""Compatibility: each endpoint/adapter called exactly the way its project calls it.

* verl's SandboxFusion client (``verl/utils/reward_score/sandbox_fusion/utils.py``)
  posts ``json.dumps(payload)`` with JSON headers via ``requests`` and reads
  ``status``, ``run_result.{status,stdout,return_code}`` and ``compile_result``.
* OpenRLHF's ``remote_rm_fn`` posts ``{"query", "prompts", "labels"}`` via
  ``requests.post(url, json=data, headers=...)`` and reads ``response["rewards"]``.
* verl's reward manager calls ``compute_score(data_source=, solution_str=,
  ground_truth=, extra_info=)``; TRL calls ``reward_func(prompts=, completions=,
  **columns)``.
"""

from __future__ import annotations

import json

import pytest
import requests

from m1env.adapters import (
    UnknownDataSource,
    compute_score,
    make_compute_score,
    register_data_source,
    reward_func,
    verifier_for,
)
from tests.service.conftest import LiveServer

HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


def verl_call_sandbox_api(url: str, code: str, stdin: str, language: str, run_timeout: int = 5):
    payload = json.dumps(
        {
            "compile_timeout": 10,
            "run_timeout": run_timeout,
            "code": code,
            "stdin": stdin,
            "memory_limit_MB": 1024,
            "language": language,
            "files": {},
            "fetch_files": [],
        }
    )
    response = requests.post(url, headers=HEADERS, data=payload, timeout=60)
    response.raise_for_status()
    return response.json()


def test_run_code_like_verl(live: LiveServer) -> None:
    url = f"{live.url}/run_code"
    ok = verl_call_sandbox_api(
        url, "a, b = map(int, input().split())\nprint(a + b)", "2 3\n", "python"
    )
    assert ok["status"] == "Success"
    assert ok["run_result"]["status"] == "Finished"
    assert ok["run_result"]["stdout"] == "5\n" and ok["run_result"]["return_code"] == 0
    assert isinstance(ok["run_result"]["execution_time"], float)

    crash = verl_call_sandbox_api(url, "import sys\nsys.exit(3)", "", "python")
    assert crash["status"] == "Failed" and crash["run_result"]["return_code"] == 3

    slow = verl_call_sandbox_api(url, "while True: pass", "", "python", run_timeout=1)
    assert slow["status"] == "Failed" and slow["run_result"]["status"] == "TimeLimitExceeded"

    cpp = '#include <cstdio>\nint main(){int a;scanf("%d",&a);printf("%d\\n",a*2);}'
    doubled = verl_call_sandbox_api(url, cpp, "21\n", "cpp")
    assert doubled["status"] == "Success" and doubled["run_result"]["stdout"] == "42\n"
    broken = verl_call_sandbox_api(url, "int main( {", "", "cpp")
    assert broken["status"] == "Failed" and broken["run_result"] is None
    assert broken["compile_result"]["status"] == "Finished"
    assert broken["compile_result"]["return_code"] != 0 and broken["compile_result"]["stderr"]


def test_run_code_and_code_scores_name_their_sandbox_backend(live: LiveServer) -> None:
    reply = requests.post(
        f"{live.url}/run_code", json={"code": "print(1)", "language": "python"}, timeout=60
    ).json()
    assert reply["status"] == "Success" and reply["executor_pod_name"] == "bwrap"
    job = {
        "verifier": "code",
        "response": "```python\nprint(int(input()) + 1)\n```",
        "reference": {"inputs": ["1\n"], "outputs": ["2\n"]},
    }
    score = requests.post(f"{live.url}/v1/score", json=job, timeout=60).json()
    assert score["status"] == "correct" and score["details"]["backend"] == "bwrap"
    metrics = requests.get(f"{live.url}/metrics", timeout=30).text
    assert 'm1env_sandbox_runs_total{backend="bwrap",verifier="run_code"} 1.0' in metrics
    assert 'm1env_sandbox_runs_total{backend="bwrap",verifier="code"} 1.0' in metrics


def test_run_code_refuses_unknown_language(live: LiveServer) -> None:
    r = requests.post(f"{live.url}/run_code", json={"code": "x", "language": "cobol"}, timeout=30)
    assert r.status_code == 422 and "unknown language" in r.json()["detail"]


def openrlhf_request_api_wrapper(url: str, data: dict, score_key: str = "rewards"):
    response = requests.post(
        url=url, json=data, headers={"Content-Type": "application/json"}, timeout=180
    )
    response.raise_for_status()
    response = response.json()
    assert score_key in response, f"{score_key} not in {response}"
    return response.get(score_key)


def test_get_reward_like_openrlhf(live: LiveServer) -> None:
    prompts = ["What is 2+2? ", "Capital of France? ", "Say hi. "]
    responses = ["<answer>4</answer>", "<answer>Lyon</answer>", "no tags at all"]
    data = {
        "query": [p + r for p, r in zip(prompts, responses, strict=True)],
        "prompts": prompts,
        "labels": ["4", "Paris", "hi"],
    }
    rewards = openrlhf_request_api_wrapper(f"{live.url}/get_reward?verifier=exact", data)
    assert rewards == [1.0, 0.0, 0.0]
    full = requests.post(f"{live.url}/get_reward?verifier=exact", json=data, timeout=30).json()
    assert full["extra_logs"] == {"correct": [1.0, 0.0, 0.0], "error": [0.0, 0.0, 0.0]}
    bad = requests.post(
        f"{live.url}/get_reward?verifier=exact", json={**data, "labels": ["4"]}, timeout=30
    )
    assert bad.status_code == 422 and "equal lengths" in bad.json()["detail"]


def test_verl_compute_score_routes_by_data_source_table() -> None:
    assert verifier_for("openai/gsm8k") == "math"
    assert verifier_for("numina_olympiads") == "math"
    assert verifier_for("codeforces") == "code"
    assert verifier_for("m1env/Countdown-v0") == "logic/countdown"
    assert verifier_for("exact") == "exact"  # a verifier name is its own data source
    register_data_source("my_org/trivia*", "exact")
    out = compute_score(
        data_source="my_org/trivia-v2",
        solution_str="Thinking... <answer>Paris</answer>",
        ground_truth="paris",
        extra_info={"index": 3},
    )
    assert out == {"score": 1.0, "acc": 1.0, "error": 0.0}
    wrong = compute_score("my_org/trivia", "<answer>Lyon</answer>", "Paris", None)
    assert wrong["score"] == 0.0 and wrong["error"] == 0.0
    with pytest.raises(UnknownDataSource, match="'who/knows'"):
        compute_score("who/knows", "x", "y", {})
    with pytest.raises(UnknownDataSource, match=r"'who/knows'.*no-such-verifier"):
        compute_score("who/knows", "x", "y", {"verifier": "no-such-verifier"})
    lenient = make_compute_score(error_score=-1.0, unknown_source="error")
    assert lenient("who/knows", "x", "y", {}) == {"score": -1.0, "acc": 0.0, "error": 1.0}
    override = compute_score("who/knows", "<answer>y</answer>", "y", {"verifier": "exact"})
    assert override["acc"] == 1.0


def test_verl_compute_score_over_http(live: LiveServer) -> None:
    fn = make_compute_score(url=live.url)
    assert fn("exact", "<answer>7</answer>", "7", None)["score"] == 1.0


def test_trl_reward_func_like_grpo_trainer() -> None:
    fn = reward_func("exact")
    assert fn.__name__ == "m1env_exact"
    prompts = [[{"role": "user", "content": "2+2?"}]] * 3
    completions = [
        [{"role": "assistant", "content": "<answer>4</answer>"}],
        [{"role": "assistant", "content": "<answer>5</answer>"}],
        [{"role": "assistant", "content": "<answer>4</answer>"}],
    ]
    # A dict reference is something `exact` cannot use: an error -> None, not 0.
    rewards = fn(
        prompts=prompts, completions=completions, answer=["4", "4", {"x": 1}], trainer_state=None
    )
    assert rewards == [1.0, 0.0, None]
    logged: list[tuple[str, float]] = []
    fn(
        prompts=prompts,
        completions=completions,
        answer=["4", "4", {"x": 1}],
        log_metric=lambda name, value: logged.append((name, value)),
    )
    assert logged == [("m1env_exact/error_rate", pytest.approx(1 / 3))]
    plain = fn(prompts=["p"], completions=["<answer>a</answer>"], solution=["A"])
    assert plain == [1.0]
    for column in ("reference", "ground_truth"):
        assert fn(prompts=["p"], completions=["<answer>a</answer>"], **{column: ["a"]}) == [1.0]
    # verl-shaped rows: the reference is reward_model.ground_truth.
    rows = [{"ground_truth": "a", "style": "rule"}, {"ground_truth": "b", "style": "rule"}]
    got: list[tuple[str, float]] = []
    verl_rows = fn(
        prompts=["p", "q"],
        completions=["<answer>a</answer>", "<answer>a</answer>"],
        reward_model=rows,
        log_metric=lambda name, value: got.append((name, value)),
    )
    assert verl_rows == [1.0, 0.0] and got == [("m1env_exact/error_rate", 0.0)]
    with pytest.raises(KeyError, match="no reference column"):
        fn(prompts=["p"], completions=["x"], other=["y"])


def test_trl_reward_func_over_http(live: LiveServer) -> None:
    fn = reward_func("exact", url=live.url)
    assert fn(prompts=["p", "q"], completions=["<answer>1</answer>", "x"], answer=["1", "1"]) == [
        1.0,
        0.0,
    ]
