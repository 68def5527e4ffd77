"""The compose stack, built and started for real (markers ``docker`` and ``compose``).

Builds the images with ``scripts/build-images.sh --services`` (wheels made on the host, images
FROM the local debootstrap base), brings docker-compose.yml + docker-compose.ci.yml up under a
throwaway project name on a free port, scores math, code and logic jobs end to end through
the API (API -> Redis -> worker -> PostgreSQL -> API) with the API key compose requires, sends
hostile code to the sandbox worker (bubblewrap inside its container), crashes a sandbox worker
mid-batch and checks that Docker restarts it and that no job is lost, then tears everything
down, volumes included.

Needs dockerd, the base image and Compose v2 (``docker compose``): scripts/ci/setup-docker.sh
installs all three. Compose v1 cannot pass ``systempaths=unconfined`` to the sandbox worker.
``M1ENV_TEST_IMAGE`` names the API/worker image (default ``m1env``), so that people sharing
one dockerd do not overwrite each other's.
"""

from __future__ import annotations

import json
import os
import secrets
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
GPU_SERVICES = {"vllm", "trainer"}
WORKERS = ("worker-verify", "worker-sandbox", "worker-judge")
IMAGE = os.environ.get("M1ENV_TEST_IMAGE", "m1env")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _compose(
    project: str, env: dict[str, str], *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", "compose", "-p", project, *FILES, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _env(**extra: str) -> dict[str, str]:
    """The caller's environment without any setting the compose file reads, plus ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("POSTGRES_", "M1ENV_", "COMPOSE_", "HF_"))
    }
    env.update(extra)
    return env


def _docker(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module", autouse=True)
def compose_v2() -> None:
    version = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
    if version.returncode != 0:
        pytest.fail("Compose v2 (`docker compose`) is missing: run scripts/ci/setup-docker.sh")


def test_compose_file_validates_and_requires_a_password_and_an_api_key(tmp_path: Path) -> None:
    # Nothing of a build is needed: the build context is the repository itself.
    env = _env(POSTGRES_PASSWORD="pw", M1ENV_API_KEYS="k1,k2")
    ok = _compose("m1envcfg", env, "config", "--services")
    assert ok.returncode == 0, ok.stderr
    assert set(ok.stdout.split()) == SERVICES
    gpu = _compose("m1envcfg", env, "--profile", "gpu", "config", "--format", "json")
    assert gpu.returncode == 0, gpu.stderr
    services = json.loads(gpu.stdout)["services"]
    assert set(services) == SERVICES | GPU_SERVICES
    for name in GPU_SERVICES:
        devices = services[name]["deploy"]["resources"]["reservations"]["devices"]
        assert devices[0]["capabilities"] == ["gpu"], devices
    assert "--rollout-url" in services["trainer"]["command"]
    assert services["trainer"]["command"][
        services["trainer"]["command"].index("--rollout-url") + 1
    ] == ("http://vllm:8000")
    # The API alone gets the keys; the workers never see them.
    assert services["api"]["environment"]["M1ENV_API_KEYS"] == "k1,k2"
    assert services["api"]["environment"]["M1ENV_ALLOWED_HOSTS"] == "api"
    assert "M1ENV_API_KEYS" not in services["worker-sandbox"]["environment"]
    missing = _compose("m1envcfg", _env(M1ENV_API_KEYS="k"), "config")
    assert missing.returncode != 0
    assert "POSTGRES_PASSWORD" in missing.stderr
    # No key, or an empty one, and compose refuses the stack, naming the variable.
    for keys in ({}, {"M1ENV_API_KEYS": ""}):
        open_api = _compose("m1envcfg", _env(POSTGRES_PASSWORD="pw", **keys), "config")
        assert open_api.returncode != 0
        assert "set M1ENV_API_KEYS (see .env.example)" in open_api.stderr


def test_sandbox_worker_runs_unprivileged_under_the_shipped_seccomp_profile() -> None:
    env = _env(POSTGRES_PASSWORD="pw", M1ENV_API_KEYS="k")
    config = _compose("m1envcfg", env, "config", "--format", "json")
    assert config.returncode == 0, config.stderr
    worker = json.loads(config.stdout)["services"]["worker-sandbox"]
    assert not worker.get("privileged")
    assert not worker.get("cap_add")
    assert worker["cap_drop"] == ["ALL"]
    assert worker["environment"]["M1ENV_SANDBOX_BACKEND"] == "bwrap"
    assert "systempaths=unconfined" in worker["security_opt"]
    assert "no-new-privileges:true" in worker["security_opt"]
    assert "seccomp=./docker/seccomp-sandbox.json" in worker["security_opt"]
    # The committed profile is what its generator writes (the generator says why each call
    # is refused), and namespace creation is not among the refused calls.
    generated = subprocess.run(
        [sys.executable, "-c", "import make_seccomp; print(make_seccomp.render(), end='')"],
        cwd=ROOT / "docker",
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert (ROOT / "docker/seccomp-sandbox.json").read_text() == generated
    refused = {n for rule in json.loads(generated)["syscalls"] for n in rule["names"]}
    assert {"clone", "clone3", "unshare", "mount", "pivot_root"}.isdisjoint(refused)
    assert {"bpf", "keyctl", "kexec_load", "init_module", "open_by_handle_at"} <= refused


@dataclass(frozen=True)
class Stack:
    url: str
    project: str
    env: dict[str, str]

    @property
    def auth(self) -> dict[str, str]:
        """The headers of a client the API accepts (the key compose passed it)."""
        return {"X-API-Key": self.env["M1ENV_API_KEYS"]}

    def container(self, service: str, index: int = 1) -> str:
        return f"{self.project}-{service}-{index}"


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    started = time.monotonic()
    build = subprocess.run(
        ["bash", str(ROOT / "scripts/build-images.sh"), "--services"],
        cwd=ROOT,
        env={**os.environ, "PYTHON": sys.executable, "M1ENV_IMAGE": IMAGE},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert build.returncode == 0, (build.stdout + build.stderr)[-3000:]
    built = time.monotonic()
    project = f"m1envtest{uuid.uuid4().hex[:8]}"
    port = _free_port()
    env = _env(
        POSTGRES_PASSWORD=uuid.uuid4().hex,
        # Made the way .env.example says; compose reads it from the environment.
        M1ENV_API_KEYS=secrets.token_urlsafe(32),
        M1ENV_IMAGE=IMAGE,
        M1ENV_API_PORT=str(port),
        M1ENV_HEALTH_INTERVAL="5s",
        # Fast recovery for the crash test: a dead worker's running job is re-sent after 25 s.
        M1ENV_WORKER_TIME_LIMIT="20",
        M1ENV_WORKER_STALE_AFTER="10",
        M1ENV_WORKER_SWEEP_INTERVAL="2",
    )
    try:
        up = _compose(project, env, "up", "-d", "--scale", "worker-sandbox=2")
        assert up.returncode == 0, up.stderr[-3000:]
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                # 200 only once the broker and the database both answer.
                if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                logs = _compose(project, env, "logs", "--tail=30").stdout
                pytest.fail(f"api not healthy within 120 s:\n{logs[-4000:]}")
            time.sleep(1)
        print(
            f"\nstack: images built in {built - started:.1f} s, "
            f"up and healthy in {time.monotonic() - built:.1f} s",
            file=sys.stderr,
        )
        yield Stack(url, project, env)
    finally:
        _compose(project, env, "down", "-v", "--remove-orphans", timeout=180)


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


def _await_job(stack: Stack, job_id: int, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        reply = httpx.get(f"{stack.url}/v1/jobs/{job_id}", headers=stack.auth, timeout=10)
        got: dict[str, Any] = reply.json()
        if got["state"] in ("done", "failed") or time.monotonic() > deadline:
            return got
        time.sleep(0.5)


@pytest.mark.parametrize("kind", sorted(JOBS))
def test_job_is_scored_end_to_end(stack: Stack, kind: str) -> None:
    """math and logic go through the verify worker, code through the sandbox worker."""
    submitted = httpx.post(f"{stack.url}/v1/jobs", json=JOBS[kind], headers=stack.auth, timeout=10)
    assert submitted.status_code == 202, submitted.text
    got = _await_job(stack, submitted.json()["id"])
    assert got["state"] == "done", got
    assert got["score"]["status"] == "correct", got
    assert got["score"]["score"] == 1.0


def test_wrong_answer_is_scored_incorrect(stack: Stack) -> None:
    wrong = httpx.post(
        f"{stack.url}/v1/score",
        json={"verifier": "math", "response": r"\boxed{41}", "reference": "42"},
        headers=stack.auth,
        timeout=60,
    )
    assert wrong.status_code == 200, wrong.text
    assert wrong.json()["status"] == "incorrect"


def test_the_api_needs_the_key_and_an_allowed_host(stack: Stack) -> None:
    job = {**JOBS["math"], "idempotency_key": f"auth-{stack.project}"}
    assert httpx.post(f"{stack.url}/v1/jobs", json=job, timeout=10).status_code == 401
    wrong = {"X-API-Key": "not-" + stack.auth["X-API-Key"]}
    assert (
        httpx.post(f"{stack.url}/v1/jobs", json=job, headers=wrong, timeout=10).status_code == 401
    )
    foreign = {**stack.auth, "Host": "rebind.attacker.example"}
    assert httpx.get(f"{stack.url}/v1/verifiers", headers=foreign, timeout=10).status_code == 400
    # The stack's other containers reach it by its service name, "api".
    probe = (
        "import json, urllib.request as u; "
        "print(json.load(u.urlopen('http://api:8000/healthz', timeout=10))['status'])"
    )
    inside = _docker("exec", stack.container("worker-verify"), "python", "-c", probe)
    assert inside.returncode == 0 and inside.stdout.strip() == "ok", inside.stderr


def test_workers_are_healthy_by_their_own_ping(stack: Stack) -> None:
    names = [stack.container(w) for w in WORKERS] + [stack.container("worker-sandbox", 2)]
    deadline = time.monotonic() + 180
    while True:
        states = {
            n: _docker("inspect", "-f", "{{.State.Health.Status}}", n).stdout.strip() for n in names
        }
        if all(s == "healthy" for s in states.values()):
            break
        assert time.monotonic() < deadline, states
        time.sleep(2)
    # The check is the worker's own: a name that no worker has is not healthy.
    stranger = _docker(
        "exec", names[0], "m1env", "worker", "--ping", "--ping-timeout", "2",
        "--hostname", "celery@no-such-worker",
    )  # fmt: skip
    assert stranger.returncode == 1, stranger.stdout + stranger.stderr


def test_sandbox_worker_reports_bwrap(stack: Stack) -> None:
    name = stack.container("worker-sandbox")
    info = _docker("exec", name, "m1env", "sandbox", "info")
    assert info.returncode == 0, info.stderr
    got = json.loads(info.stdout)
    assert got["chosen"] == "bwrap", got
    assert got["backends"]["bwrap"]["available"], got
    host = json.loads(_docker("inspect", name).stdout)[0]["HostConfig"]
    assert host["Privileged"] is False and not host["CapAdd"]
    assert any(o.startswith("seccomp=") for o in host["SecurityOpt"])
    assert _docker("exec", name, "id", "-u").stdout.strip() != "0"


def _ip(container: str) -> str:
    out = _docker(
        "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", container
    )
    return out.stdout.split()[0]


# Each probe prints one word per attempt; the reference is the output of a sandbox that
# stops every one of them, so "correct" means: the code ran, and every escape failed.
EGRESS = """```python
import socket
for host, port in {targets!r}:
    try:
        socket.create_connection((host, port), timeout=3).close()
        print("open", host, port)
    except OSError:
        print("blocked")
```"""

SECRETS = """```python
import os
leaks = [k for k in os.environ if k.startswith(("M1ENV_", "POSTGRES"))]
# The worker's processes (and their environment, which holds the database password).
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        if b"/opt/m1env" in open(f"/proc/{pid}/cmdline", "rb").read():
            leaks.append(f"/proc/{pid}")
    except OSError:
        pass
for path in ("/etc/passwd", "/home/m1env", "/work/../opt/m1env/bin/m1env",
             "/opt/m1env", "/var/run/docker.sock", "/etc/hostname"):
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            open(path, "rb").read(1)
        leaks.append(path)
    except OSError:
        pass
print("leaks:", leaks)
```"""


def test_code_job_cannot_reach_the_network_or_the_workers_files(stack: Stack) -> None:
    targets = [
        (_ip(stack.container("redis")), 6379),
        (_ip(stack.container("postgres")), 5432),
        (_ip(stack.container("api")), 8000),
        ("127.0.0.11", 53),  # Docker's DNS resolver in the worker's network namespace
    ]
    egress = {
        "verifier": "code",
        "response": EGRESS.format(targets=targets),
        "reference": {"tests": [{"input": "", "output": "blocked\n" * len(targets)}]},
    }
    secrets = {
        "verifier": "code",
        "response": SECRETS,
        "reference": {"tests": [{"input": "", "output": "leaks: []\n"}]},
    }
    for job in (egress, secrets):
        got = httpx.post(f"{stack.url}/v1/score", json=job, headers=stack.auth, timeout=120).json()
        assert got["status"] == "correct", got
    # The same egress probe, run by the worker container itself, does reach the stack: the
    # refusals above are the sandbox's, not a property of the stack's network.
    probe = f"import socket; socket.create_connection(({targets[0][0]!r}, {targets[0][1]}), 3)"
    direct = _docker("exec", stack.container("worker-sandbox"), "python", "-c", probe)
    assert direct.returncode == 0, direct.stderr


# Under the container's own seccomp profile (which allows both calls), the bwrap backend's
# filter refuses ptrace and netlink sockets to the job: "1 1" is EPERM twice.
FILTERED = """```python
import ctypes, socket
libc = ctypes.CDLL(None, use_errno=True)
ptrace = ctypes.get_errno() if libc.ptrace(0, 0, 0, 0) != 0 else 0
try:
    socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0).close()
    netlink = 0
except OSError as exc:
    netlink = exc.errno
print(ptrace, netlink)
```"""


def test_code_job_runs_under_the_bwrap_seccomp_filter(stack: Stack) -> None:
    job = {
        "verifier": "code",
        "response": FILTERED,
        "reference": {"tests": [{"input": "", "output": "1 1\n"}]},
    }
    got = httpx.post(f"{stack.url}/v1/score", json=job, headers=stack.auth, timeout=120).json()
    assert got["status"] == "correct", got
    assert got["details"]["backend"] == "bwrap", got
    # The worker container itself may open a netlink socket: the refusal above is the job
    # filter's, not the container profile's.
    probe = "import socket; socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0).close()"
    direct = _docker("exec", stack.container("worker-sandbox"), "python", "-c", probe)
    assert direct.returncode == 0, direct.stderr


# Each job sleeps 3 s in the sandbox: long enough that the crash below lands on a job in flight.
SLOW = {
    "verifier": "code",
    "response": "```python\nimport time\ntime.sleep(3)\nprint(int(input()) * 2)\n```",
    "reference": {"tests": [{"input": "3\n", "output": "6\n"}], "time_limit": 15},
}


def _running_sandbox(container: str) -> bool:
    top = _docker("top", container, "-eo", "pid,args")  # docker top needs the pid column
    argv0 = [line.split()[1] for line in top.stdout.splitlines()[1:] if len(line.split()) > 1]
    return top.returncode == 0 and any(os.path.basename(a) == "bwrap" for a in argv0)


def _restarts(container: str) -> int:
    return int(_docker("inspect", "-f", "{{.RestartCount}}", container).stdout.strip() or 0)


def test_crashing_a_worker_mid_batch_loses_no_job(stack: Stack) -> None:
    """SIGKILL a sandbox worker's main process while a job of a batch runs in it."""
    victim = stack.container("worker-sandbox")
    restarts = _restarts(victim)
    ids = []
    for i in range(10):
        job = {**SLOW, "idempotency_key": f"crash-{stack.project}-{i}"}
        r = httpx.post(f"{stack.url}/v1/jobs", json=job, headers=stack.auth, timeout=10)
        assert r.status_code == 202, r.text
        ids.append(r.json()["id"])
    # Wait until a sandboxed job is running inside the victim, then crash it: no luck involved,
    # the job in flight there cannot finish (3 s of sleep) before the kill lands.
    deadline = time.monotonic() + 120
    while not _running_sandbox(victim):
        assert time.monotonic() < deadline, "no job started in the victim within 120 s"
        time.sleep(0.2)
    pid = _docker("inspect", "-f", "{{.State.Pid}}", victim).stdout.strip()
    killed = subprocess.run(["kill", "-KILL", pid], capture_output=True, text=True)
    assert killed.returncode == 0, killed.stderr
    states = [_await_job(stack, job_id, timeout=180) for job_id in ids]
    assert [s["state"] for s in states] == ["done"] * len(ids), states
    assert all(s["score"]["status"] == "correct" for s in states), states
    # The job that was in flight in the victim was delivered again.
    assert max(s["attempts"] for s in states) >= 2, states
    # restart: unless-stopped brought the crashed worker back.
    deadline = time.monotonic() + 60
    while _restarts(victim) <= restarts or not _running(victim):
        assert time.monotonic() < deadline, "the crashed worker was not restarted"
        time.sleep(1)


def _running(container: str) -> bool:
    return _docker("inspect", "-f", "{{.State.Running}}", container).stdout.strip() == "true"
