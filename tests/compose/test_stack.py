"""The compose stack, built and started for real (marker ``docker``).

Builds the images with ``scripts/build-images.sh --services`` (wheels made on the host, images
FROM the local debootstrap base), brings docker-compose.yml + docker-compose.ci.yml up under a
throwaway project name on a free port, scores math jobs end to end through the API (the job
goes API -> Redis -> verify worker -> PostgreSQL -> API), and tears everything down,
volumes included. Needs dockerd, the base image and ``docker-compose`` (Debian's v1):
scripts/ci/setup-docker.sh and ``apt-get install docker-compose``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = [pytest.mark.docker, pytest.mark.compose]

ROOT = Path(__file__).resolve().parents[2]
FILES = ["-f", str(ROOT / "docker-compose.yml"), "-f", str(ROOT / "docker-compose.ci.yml")]
SERVICES = {
    "redis",
    "postgres",
    "migrate",
    "api",
    "worker-verify",
    "worker-sandbox",
    "worker-judge",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _compose(
    project: str, env: dict[str, str], *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker-compose", "-p", project, *FILES, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTGRES_", "M1ENV_"))}
    env.update(extra)
    return env


def test_compose_file_validates_and_requires_a_password() -> None:
    ok = _compose("m1envcfg", _env(POSTGRES_PASSWORD="pw"), "config", "--services")
    assert ok.returncode == 0, ok.stderr
    assert set(ok.stdout.split()) == SERVICES
    missing = _compose("m1envcfg", _env(), "config")
    assert missing.returncode != 0
    assert "POSTGRES_PASSWORD" in missing.stderr


@dataclass(frozen=True)
class Stack:
    url: str
    project: str


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    build = subprocess.run(
        ["bash", str(ROOT / "scripts/build-images.sh"), "--services"],
        cwd=ROOT,
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    project = f"m1envtest{uuid.uuid4().hex[:8]}"
    port = _free_port()
    env = _env(
        POSTGRES_PASSWORD=uuid.uuid4().hex,
        M1ENV_API_PORT=str(port),
        # Fast recovery for the kill test: a dead worker's running job is re-sent after 25 s.
        M1ENV_WORKER_TIME_LIMIT="20",
        M1ENV_WORKER_STALE_AFTER="10",
        M1ENV_WORKER_SWEEP_INTERVAL="2",
    )
    try:
        up = _compose(project, env, "up", "-d", "--scale", "worker-sandbox=2")
        assert up.returncode == 0, up.stderr[-3000:]
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                health = httpx.get(f"{url}/healthz", timeout=2).json()
                if health.get("broker") == "ok":
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                logs = _compose(project, env, "logs", "--tail=30").stdout
                pytest.fail(f"api not healthy within 90 s:\n{logs[-4000:]}")
            time.sleep(1)
        yield Stack(url, project)
    finally:
        _compose(project, env, "down", "-v", "--remove-orphans", timeout=120)


JOBS: dict[str, dict[str, Any]] = {
    "math": {"verifier": "math", "response": r"So $x = \boxed{\frac{1}{2}}$", "reference": "0.5"},
    "code": {
        "verifier": "code",
        "response": "```python\nprint(int(input()) * 2)\n```",
        "reference": {"tests": [{"input": "3\n", "output": "6\n"}, {"input": "5", "output": "10"}]},
    },
    "logic": {
        "verifier": "logic/countdown",
        "response": "<answer>(3 + 4) * 6</answer>",
        "reference": {"numbers": [3, 4, 6], "target": 42, "solution": "(3+4)*6"},
    },
}


def _await_job(api: str, job_id: int, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        got: dict[str, Any] = httpx.get(f"{api}/v1/jobs/{job_id}", timeout=10).json()
        if got["state"] in ("done", "failed") or time.monotonic() > deadline:
            return got
        time.sleep(0.5)


@pytest.fixture
def api(stack: Stack) -> str:
    return stack.url


@pytest.mark.parametrize("kind", sorted(JOBS))
def test_job_is_scored_end_to_end(api: str, kind: str) -> None:
    """math and logic go through the verify worker, code through the sandbox worker."""
    submitted = httpx.post(f"{api}/v1/jobs", json=JOBS[kind], timeout=10)
    assert submitted.status_code == 202, submitted.text
    got = _await_job(api, submitted.json()["id"])
    assert got["state"] == "done", got
    assert got["score"]["status"] == "correct", got
    assert got["score"]["score"] == 1.0


def test_wrong_answer_is_scored_incorrect(api: str) -> None:
    wrong = httpx.post(
        f"{api}/v1/score",
        json={"verifier": "math", "response": r"\boxed{41}", "reference": "42"},
        timeout=60,
    )
    assert wrong.status_code == 200, wrong.text
    assert wrong.json()["status"] == "incorrect"


# 0.4 s a test, 2 tests a job: a 30-job batch keeps two workers busy for several seconds.
SLOW = "```python\nimport time\ntime.sleep(0.4)\nprint(int(input()) * 2)\n```"


def test_killing_a_worker_mid_batch_loses_no_job(stack: Stack) -> None:
    """SIGKILL one of two sandbox workers while a batch of code jobs is in flight."""
    ids = []
    for i in range(30):
        job = {**JOBS["code"], "idempotency_key": f"chaos-{stack.project}-{i}", "response": SLOW}
        r = httpx.post(f"{stack.url}/v1/jobs", json=job, timeout=10)
        assert r.status_code == 202, r.text
        ids.append(r.json()["id"])
    deadline = time.monotonic() + 30
    while httpx.get(f"{stack.url}/v1/jobs/{ids[0]}", timeout=10).json()["state"] == "queued":
        assert time.monotonic() < deadline, "no job started within 30 s"
        time.sleep(0.1)
    victim = f"{stack.project}_worker-sandbox_1"
    killed = subprocess.run(["docker", "kill", victim], capture_output=True, text=True)
    assert killed.returncode == 0, killed.stderr
    last = httpx.get(f"{stack.url}/v1/jobs/{ids[-1]}", timeout=10).json()
    assert last["state"] != "done", "the batch finished before the kill: the test proves nothing"
    states = [_await_job(stack.url, job_id, timeout=120) for job_id in ids]
    assert [s["state"] for s in states] == ["done"] * len(ids), states
    assert all(s["score"]["status"] == "correct" for s in states), states
