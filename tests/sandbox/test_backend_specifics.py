"""Backend-specific behaviour: bwrap's rlimit fallback, process warning, docker pool/reaping."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from m1env import sandbox
from m1env.sandbox import ExecRequest, Limits
from m1env.sandbox.backends.bwrap import BwrapBackend

from .conftest import make_backend

MEMORY_BOMB = "x = []\nwhile True: x.append(bytearray(16 << 20))\n"


def test_bwrap_without_cgroups_falls_back_to_rlimits_and_says_so() -> None:
    make_backend("bwrap")
    backend = BwrapBackend()
    backend.cgroups = None
    backend.cgroup_note = "cgroups disabled for this test; falling back to rlimits"
    res = backend.run(
        ExecRequest(language="python3", source=MEMORY_BOMB, limits=Limits(memory_mb=128))
    )
    assert res.verdict == "memory" and "MemoryError" in res.stderr
    assert any("falling back" in m for m in res.messages)
    fork = "import os\nfor _ in range(200):\n    os.fork()\n"
    res = backend.run(ExecRequest(language="python3", source=fork, limits=Limits(processes=8)))
    assert res.verdict == "runtime_error" and "BlockingIOError" in res.stderr
    res = backend.run(
        ExecRequest(language="python3", source="while True: pass", limits=Limits(cpu_s=1))
    )
    assert res.verdict == "timeout" and res.cpu_s >= 0.5


@pytest.mark.docker
def test_docker_replaces_a_pooled_container_that_died() -> None:
    backend = make_backend("docker")
    backend.prewarm()  # type: ignore[attr-defined]
    with backend._lock:  # type: ignore[attr-defined]
        victim = next(iter(backend._pools.values()))[0]  # type: ignore[attr-defined]
    backend.api.kill(victim.id)  # type: ignore[attr-defined]
    time.sleep(0.5)
    results = [backend.run(ExecRequest(language="python3", source="print(1)")) for _ in range(3)]
    assert [r.verdict for r in results] == ["ok"] * 3


def test_bwrap_reports_cgroup_limits_in_info() -> None:
    backend = make_backend("bwrap")
    info = backend.info()
    assert info["namespaces"] == ["user", "pid", "net", "ipc", "uts", "cgroup", "mount"]
    assert "cgroup" in info["cgroups"]


def test_bwrap_memory_peak_and_pid_refusals_are_reported() -> None:
    backend = make_backend("bwrap")
    if backend.cgroups is None:  # type: ignore[attr-defined]
        pytest.skip("cgroups are not writable here")
    src = "x = bytearray(64 << 20); x[::4096] = b'1' * len(x[::4096]); print(len(x))"
    res = backend.run(ExecRequest(language="python3", source=src))
    assert res.verdict == "ok" and res.peak_memory_bytes is not None
    assert res.peak_memory_bytes >= 64 << 20
    res = backend.run(
        ExecRequest(
            command=["/bin/sh", "-c", "for i in 1 2 3 4 5 6; do sleep 1 & done; wait"],
            limits=Limits(processes=3),
        )
    )
    assert any("fork(s) refused" in m for m in res.messages)


def test_process_backend_warns_loudly() -> None:
    code = (
        "import warnings; warnings.simplefilter('always');\n"
        "from m1env.sandbox.backends.process import ProcessBackend\n"
        "ProcessBackend(allow_unsandboxed=True)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "NOT isolation" in proc.stderr
    backend = make_backend("process")
    assert backend.isolating is False
    res = backend.run(ExecRequest(command=["/bin/true"]))
    assert "process backend: no isolation" in res.messages


@pytest.mark.docker
def test_docker_pool_never_reuses_a_container() -> None:
    backend = make_backend("docker")
    backend.prewarm()  # type: ignore[attr-defined]
    src = "import socket; print(socket.gethostname())"
    names = {backend.run(ExecRequest(language="python3", source=src)).stdout for _ in range(4)}
    assert len(names) == 4


@pytest.mark.docker
def test_docker_reaps_containers_of_a_dead_worker() -> None:
    import docker

    from m1env.sandbox.backends.docker import LABEL, OWNER_LABEL, DockerBackend

    client = docker.from_env()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    orphan = client.containers.run(
        "m1env-sandbox-base", ["sleep", "300"], detach=True, network_mode="none",
        labels={LABEL: "1", OWNER_LABEL: f"{os.uname().nodename}:{dead.pid}"},
    )  # fmt: skip
    try:
        fresh = DockerBackend(pool_size=0)
        try:
            assert fresh.reaped >= 1
        finally:
            fresh.close()
        deadline = time.monotonic() + 10
        ids = [c.id for c in client.containers.list(all=True, filters={"label": LABEL})]
        while orphan.id in ids and time.monotonic() < deadline:
            time.sleep(0.1)
            ids = [c.id for c in client.containers.list(all=True, filters={"label": LABEL})]
        assert orphan.id not in ids
    finally:
        with contextlib.suppress(docker.errors.NotFound):
            orphan.remove(force=True)
        client.close()


def test_get_backend_returns_shared_instances() -> None:
    assert sandbox.get_backend("bwrap") is sandbox.get_backend("bwrap")
    process = sandbox.get_backend("process", allow_unsandboxed=True)
    assert sandbox.get_backend("process", allow_unsandboxed=True) is process


def test_a_sandbox_that_cannot_start_is_sandbox_error_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import m1env.sandbox.backends.bwrap as bwrap_module

    backend = make_backend("bwrap")
    # Through the slot spawner (cgroups) or preexec_fn (fallback): exec fails.
    monkeypatch.setattr(backend, "exe", "/nonexistent/m1env-bwrap")
    res = backend.run(ExecRequest(command=["/bin/true"]))
    assert res.verdict == "sandbox_error"
    assert "/nonexistent/m1env-bwrap" in " ".join(res.messages), res.messages
    monkeypatch.undo()
    assert backend.run(ExecRequest(command=["/bin/true"])).verdict == "ok"

    # The fallback path reports a failure inside preexec_fn with its reason.
    fallback = BwrapBackend()
    fallback.cgroups = None
    try:

        def broken(**_: object) -> None:
            raise OSError(24, "simulated failure while limiting the child")

        monkeypatch.setattr(bwrap_module, "set_rlimits", broken)
        res = fallback.run(ExecRequest(command=["/bin/true"]))
        assert res.verdict == "sandbox_error"
        assert "simulated failure" in " ".join(res.messages)
    finally:
        fallback.close()


def test_bwrap_slots_are_reused_and_checked_between_jobs() -> None:
    backend = make_backend("bwrap")
    pool = backend._slots  # type: ignore[attr-defined]
    if pool is None:
        pytest.skip("cgroups are not writable here")
    backend.run(ExecRequest(command=["/bin/true"]))
    spawners = {slot.spawner_pid for slot in pool._free}
    # Different limits per job are applied to the same slots; the peak is the job's own.
    big = "x = bytearray(48 << 20); x[::4096] = b'1' * len(x[::4096])"
    res = backend.run(ExecRequest(language="python3", source=big, limits=Limits(memory_mb=512)))
    assert res.verdict == "ok" and res.peak_memory_bytes >= 48 << 20, res
    res = backend.run(ExecRequest(language="python3", source="pass", limits=Limits(memory_mb=64)))
    assert res.verdict == "ok" and res.peak_memory_bytes < 48 << 20, res
    res = backend.run(ExecRequest(language="python3", source=big, limits=Limits(memory_mb=32)))
    assert res.verdict == "memory", res
    # The slots live on (no per-job cgroup or spawner), at most two per job slot.
    alive = {slot.spawner_pid for slot in pool._free}
    assert spawners <= alive and len(alive) <= 2 * backend.limiter.max_jobs
    # A stray process in a free slot's cgroup (which no job can leave: the cgroup is
    # swept after each) is killed before the next job runs there.
    stray = subprocess.Popen(["/bin/sleep", "60"])
    try:
        pool._free[0].cgroup.move(stray.pid)  # the slot the next job gets
        assert backend.run(ExecRequest(command=["/bin/true"])).verdict == "ok"
        assert stray.wait(timeout=5) == -9
    finally:
        stray.kill()
        stray.wait()


def test_bwrap_prepared_sandboxes_are_fresh_and_used_once() -> None:
    backend = make_backend("bwrap")
    if backend._slots is None:  # type: ignore[attr-defined]
        pytest.skip("cgroups are not writable here")
    writer = (
        "import os\n"
        "dirs = ('/work', '/tmp', '/dev/shm')\n"
        "print(sorted(n for d in dirs for n in os.listdir(d)),\n"
        "      len([p for p in os.listdir('/proc') if p.isdigit()]))\n"
        "for d in dirs:\n"
        "    open(os.path.join(d, 'left-by-a-job'), 'w').write('x')\n"
    )
    starts = dict(backend.starts)  # type: ignore[attr-defined]
    results = [backend.run(ExecRequest(language="python3", source=writer)) for _ in range(8)]
    assert [r.verdict for r in results] == ["ok"] * 8, results
    # Same shape (python3, no env) again and again: after the second job the next
    # sandbox is built ahead of time, yet each job sees only its own fresh state.
    assert backend.starts["prepared"] - starts["prepared"] >= 2  # type: ignore[attr-defined]
    for res in results:
        assert res.stdout == "['main.py'] 2\n", res  # bwrap's init and the job only
    # What waits for the next job holds none of this job's files.
    waiting = backend.waiting_workdirs()  # type: ignore[attr-defined]
    assert waiting and all(os.listdir(d) == [] for d in waiting)
    # A prepared sandbox of another shape is discarded, not used.
    res = backend.run(ExecRequest(language="python3", source="print(1)", limits=Limits(wall_s=7)))
    assert res.verdict == "ok" and res.stdout == "1\n"


PREPARED_WORKER = """
import sys
from m1env import sandbox
backend = sandbox.get_backend("bwrap")
for _ in range(8):
    assert backend.run(sandbox.ExecRequest(language="python3", source="pass")).verdict == "ok"
print(backend.starts["prepared"], flush=True)
sys.stdin.read()
"""


def _describe(pid: str) -> str:
    """Enough of a leftover process to tell what it is (state, parent, command line)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return f"{pid}: gone"
    keep = [
        line for line in status.splitlines() if line.split(":")[0] in ("State", "PPid", "NSpid")
    ]
    return f"{pid}: {'; '.join(keep)}; {cmdline[:300]!r}"


def _ancestors(pid: str) -> list[int]:
    chain: list[int] = []
    current = pid
    while current not in ("0", "1") and len(chain) < 64:
        try:
            with open(f"/proc/{current}/stat") as fh:
                current = fh.read().rsplit(")", 1)[1].split()[1]
        except OSError:
            break
        chain.append(int(current))
    return chain


def test_bwrap_prepared_sandbox_dies_with_its_worker() -> None:
    backend = make_backend("bwrap")
    if backend._slots is None:  # type: ignore[attr-defined]
        pytest.skip("cgroups are not writable here")
    worker = subprocess.Popen(
        [sys.executable, "-c", PREPARED_WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert worker.stdout is not None
    try:
        assert int(worker.stdout.readline()) >= 1

        def bwraps_of(root: int) -> list[str]:
            # bwrap's options (the work dir among them) are not on its command line:
            # find the worker's bwrap descendants by ancestry.
            found = []
            for pid in filter(str.isdigit, os.listdir("/proc")):
                with contextlib.suppress(OSError), open(f"/proc/{pid}/cmdline", "rb") as fh:
                    if fh.read().split(b"\0")[0].endswith(b"/bwrap") and root in _ancestors(pid):
                        found.append(pid)
            return found

        deadline = time.monotonic() + 10
        while not (prepared := bwraps_of(worker.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert prepared, "no sandbox was prepared for the next job"

        def waiting() -> list[str]:
            return [pid for pid in prepared if os.path.exists(f"/proc/{pid}")]

        worker.kill()
        worker.wait()
        deadline = time.monotonic() + 3
        while waiting() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert waiting() == [], [_describe(pid) for pid in waiting()]
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    fresh = BwrapBackend()
    try:
        assert fresh.run(ExecRequest(command=["/bin/true"])).verdict == "ok"
        left = [n for n in os.listdir(fresh.workdirs.base) if n.startswith(f"job-{worker.pid}-")]
        assert left == []
    finally:
        fresh.close()
