"""Queue mode end to end: a real Celery worker process on the real Redis.

The default run keeps one end-to-end test; the poison-job and ``/run_code`` tests
start workers of their own and run with ``-m slow``.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from contextlib import closing
from pathlib import Path

import pytest

import tests.service.helpers  # noqa: F401  (test/* verifiers)
from m1env.queue import QueueConfig, get_app
from m1env.queue.dispatch import submit
from m1env.store import EpisodeStore
from tests.queue.conftest import Worker, start_worker
from tests.service.conftest import make_client


def quick(answer: str, ms: int = 0) -> dict:
    return {"response": answer, "reference": {"answer": "a", "ms": ms}, "options": {}}


def wait_all(store: EpisodeStore, ids: list[int], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = [store.get_job(i) for i in ids]
        if all(j is not None and j.state in ("done", "failed") for j in jobs):
            return
        time.sleep(0.1)
    states = [(i, store.get_job(i).state) for i in ids]  # type: ignore[union-attr]
    raise AssertionError(f"jobs not finished: {states}")


def ping(broker_url: str, hostname: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "m1env.cli",
            "worker",
            "--ping",
            "--ping-timeout",
            "2",
            "--broker-url",
            broker_url,
            "--hostname",
            hostname,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_service_in_queue_mode(
    db_url: str, broker_url: str, workers: list[Worker], tmp_path: Path
) -> None:
    name = f"qtest-{uuid.uuid4().hex[:8]}@%h"
    start_worker(workers, db_url, broker_url, tmp_path, concurrency=2, hostname=name)
    # The container health check: the worker answers by its node name, a stranger does not.
    alive = ping(broker_url, name)
    assert alive.returncode == 0 and "pong" in alive.stdout, alive.stderr
    absent = ping(broker_url, f"nobody-{uuid.uuid4().hex[:8]}@%h")
    assert absent.returncode == 1 and "did not answer" in absent.stderr
    with make_client(db_url, mode="queue", broker_url=broker_url, chunk_size=4) as client:
        health = client.get("/healthz")
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "mode": "queue", "broker": "ok", "database": "ok"}
        one = client.post(
            "/v1/score",
            json={"verifier": "exact", "response": "<answer>4</answer>", "reference": "4"},
        )
        assert one.status_code == 200 and one.json()["status"] == "correct"
        # An isolated verifier: the Celery pool process runs it in a killable
        # subprocess of its own, time limit included.
        isolated = {"verifier": "test/sleepy", "response": "1", "reference": {"answer": 1}}
        got = client.post("/v1/score", json=isolated).json()
        assert got["status"] == "correct", got
        slow = {**isolated, "reference": {"answer": 1, "ms": 5000}, "options": {"timeout": 0.5}}
        out = client.post("/v1/score", json=slow).json()
        assert out["status"] == "error" and "time limit" in out["reason"]
        items = [
            {
                "verifier": "test/quick",
                "response": "a" if i % 3 else "b",
                "reference": {"answer": "a"},
            }
            for i in range(30)
        ]
        batch = client.post("/v1/score/batch", json={"items": items})
        assert batch.status_code == 200, batch.text
        results = batch.json()["results"]
        assert [r["status"] for r in results] == [
            "correct" if i % 3 else "incorrect" for i in range(30)
        ]
        job = client.post("/v1/jobs", json={**items[1], "idempotency_key": "q-1"}).json()
        deadline = time.monotonic() + 30
        while (got := client.get(f"/v1/jobs/{job['id']}").json())["state"] != "done":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert got["score"]["status"] == "correct" and got["attempts"] == 1


@pytest.mark.slow
def test_poison_job_ends_as_error_and_spares_its_chunk(
    db_url: str, broker_url: str, workers: list[Worker], tmp_path: Path
) -> None:
    worker = start_worker(workers, db_url, broker_url, tmp_path, concurrency=1, max_attempts=2)
    app = get_app(QueueConfig(broker_url=broker_url, database_url=db_url))
    with closing(EpisodeStore(db_url)) as store:
        items = [("test/quick", quick("a"), f"ok-{i}") for i in range(3)]
        items.append(("test/poison", quick("a"), "poison"))
        items += [("test/quick", quick("a"), f"ok-{i}") for i in range(3, 5)]
        claimed = submit(store, app, items, chunk_size=len(items))
        ids = [job.id for job, _ in claimed]
        wait_all(store, ids, timeout=90)
        jobs = {store.get_job(i).idempotency_key: store.get_job(i) for i in ids}  # type: ignore[union-attr]
        poison = jobs.pop("poison")
        assert poison is not None and poison.state == "failed" and poison.attempts == 3
        score = store.job_score(poison.id)
        assert score is not None and score.status == "error"
        assert "gave up after 2 attempts" in score.reason
        for job in jobs.values():
            assert job is not None and job.state == "done" and job.attempts == 1
            assert store.job_score(job.id).status == "correct"  # type: ignore[union-attr]
    assert worker.proc.poll() is None  # the worker survived its pool processes dying
    assert b"split" in worker.log_path.read_bytes()


def test_queue_mode_without_workers_times_out_with_the_job_id(db_url: str, broker_url: str) -> None:
    body = {"verifier": "exact", "response": "<answer>1</answer>", "reference": "1"}
    with make_client(db_url, mode="queue", broker_url=broker_url, sync_timeout_s=0.5) as client:
        r = client.post("/v1/score", json=body)
        assert r.status_code == 504 and "not scored within" in r.json()["detail"]
        job = client.get(f"/v1/jobs/{r.json()['job_id']}").json()
        assert job["state"] == "queued"  # kept in SQL: a worker started later scores it


@pytest.mark.slow
def test_run_code_goes_to_a_sandbox_worker_in_queue_mode(
    db_url: str, broker_url: str, workers: list[Worker], tmp_path: Path
) -> None:
    start_worker(workers, db_url, broker_url, tmp_path, concurrency=1, queues="sandbox")
    with make_client(db_url, mode="queue", broker_url=broker_url) as client:
        body = {"code": "import os\nprint(os.getpid(), input())", "language": "python",
                "stdin": "hi\n", "run_timeout": 5}  # fmt: skip
        r = client.post("/run_code", json=body)
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["status"] == "Success" and out["run_result"]["stdout"].endswith(" hi\n")
        refused = client.post("/run_code", json={**body, "language": "cobol"})
        assert refused.status_code == 422
