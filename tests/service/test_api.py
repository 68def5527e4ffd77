"""The /v1 API in embedded mode: scoring, batches, jobs, verifiers, health, metrics."""

from __future__ import annotations

import time
from contextlib import closing

from fastapi.testclient import TestClient

import tests.service.helpers  # noqa: F401  (registers test/* verifiers)
from tests.service.conftest import make_client

RIGHT = {"verifier": "exact", "response": "so <answer> 42 </answer>", "reference": "42"}


def wait_job(client: TestClient, job_id: int, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def test_score_returns_the_score_contract(client: TestClient) -> None:
    r = client.post("/v1/score", json=RIGHT)
    assert r.status_code == 200
    assert r.json() == {
        "score": 1.0,
        "status": "correct",
        "reason": "correct",
        "details": {"extracted": "42"},
    }
    wrong = client.post("/v1/score", json={**RIGHT, "reference": "41"}).json()
    assert (wrong["score"], wrong["status"]) == (0.0, "incorrect")
    assert "differs" in wrong["reason"]


def test_options_reach_the_verifier(client: TestClient) -> None:
    body = {"verifier": "exact", "response": "<answer>ABC</answer>", "reference": "abc"}
    assert client.post("/v1/score", json=body).json()["status"] == "correct"
    strict = {**body, "options": {"case_sensitive": True}}
    assert client.post("/v1/score", json=strict).json()["status"] == "incorrect"


def test_batch_is_concurrent_and_keeps_order(tmp_path) -> None:
    items = [
        {"verifier": "test/sleepy", "response": str(i), "reference": {"answer": i, "ms": ms}}
        for i, ms in enumerate([300, 10, 250, 10, 200, 10])
    ]
    items[3]["response"] = "wrong"
    with make_client(f"sqlite:///{tmp_path / 'b.db'}", workers=2) as client:
        client.post("/v1/score/batch", json={"items": items[:2]})  # warm the pool
        start = time.perf_counter()
        r = client.post("/v1/score/batch", json={"items": items})
        elapsed = time.perf_counter() - start
    assert r.status_code == 200
    statuses = [s["status"] for s in r.json()["results"]]
    assert statuses == ["correct", "correct", "correct", "incorrect", "correct", "correct"]
    assert len({s["details"]["pid"] for s in r.json()["results"]}) == 2
    assert elapsed < 0.78, f"not concurrent: {elapsed:.2f}s for 0.78s of sequential work"


def test_timeout_is_an_error_score_not_a_hang(client: TestClient) -> None:
    body = {
        "verifier": "test/sleepy",
        "response": "1",
        "reference": {"answer": 1, "ms": 5000},
        "options": {"timeout": 0.3},
    }
    start = time.perf_counter()
    out = client.post("/v1/score", json=body).json()
    assert time.perf_counter() - start < 3
    assert out["status"] == "error" and "time limit" in out["reason"]


def test_verifiers_lists_registry_and_queues(client: TestClient) -> None:
    found = {v["name"]: v for v in client.get("/v1/verifiers").json()}
    assert found["exact"]["queue"] == "verify"
    assert found["exact"]["isolated"] is False
    assert "test/sleepy" in found


def test_jobs_are_asynchronous_and_idempotent(client: TestClient) -> None:
    body = {**RIGHT, "idempotency_key": "episode-1"}
    first = client.post("/v1/jobs", json=body)
    assert first.status_code == 202 and first.json()["created"] is True
    job = wait_job(client, first.json()["id"])
    assert job["state"] == "done" and job["attempts"] == 1
    assert job["score"]["status"] == "correct"
    again = client.post("/v1/jobs", json=body)
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["id"] == job["id"] and again.json()["score"] == job["score"]
    clash = client.post("/v1/jobs", json={**body, "reference": "7"})
    assert clash.status_code == 409 and "idempotency key" in clash.json()["detail"]
    assert client.get("/v1/jobs/424242").status_code == 404


def test_embedded_service_finishes_jobs_left_by_a_previous_run(tmp_path) -> None:
    from m1env.store import EpisodeStore

    url = f"sqlite:///{tmp_path / 'left.db'}"
    with closing(EpisodeStore(url)) as store:
        job, _ = store.claim_job(
            "left-over",
            "exact",
            {"response": "<answer>1</answer>", "reference": "1", "options": {}},
        )
    with make_client(url) as client:
        assert wait_job(client, job.id)["score"]["status"] == "correct"


def test_health_metrics_and_openapi(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    client.post("/v1/score", json=RIGHT)
    client.post("/v1/score", json={**RIGHT, "verifier": "nope"})
    text = client.get("/metrics").text
    assert 'm1env_scores_total{status="correct",verifier="exact"} 1.0' in text
    assert 'm1env_http_requests_total{method="POST",route="/v1/score",status="422"} 1.0' in text
    assert "m1env_http_request_seconds_bucket" in text
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/v1/score", "/v1/score/batch", "/v1/jobs", "/v1/jobs/{job_id}", "/run_code"):
        assert path in paths


def test_api_keys_and_rate_limit(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    with make_client(url, api_keys=frozenset({"s3cret"}), rate_limit=1.0, rate_burst=2) as c:
        assert c.post("/v1/score", json=RIGHT).status_code == 401
        assert c.post("/v1/score", json=RIGHT, headers={"X-API-Key": "nope"}).status_code == 401
        assert c.get("/healthz").status_code == 200  # open
        ok = c.post("/v1/score", json=RIGHT, headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200
        assert c.post("/v1/score?api_key=s3cret", json=RIGHT).status_code == 200
        limited = c.post("/v1/score", json=RIGHT, headers={"X-API-Key": "s3cret"})
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert "rate limit" in limited.json()["detail"]
