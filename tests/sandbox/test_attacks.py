"""Prove it: one attack per property, on every backend this machine can start.

After each attack: the verdict is right, nothing of the job is left running, nothing
of it is left on disk (``Host.assert_clean``), and the host is unchanged where the
attack aimed at it.  The ``process`` backend is not isolation: attacks it cannot stop
are marked strict xfail for it (so the test proves the gap is real, and fails if the
gap silently closes or the xfail is wrong).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from m1env.sandbox import ExecRequest, Limits, UnsafePathError
from m1env.sandbox.backend import Backend

from .conftest import Host

PY = "python3"


def py(host: Host, source: str, **kw: object) -> ExecRequest:
    return ExecRequest(language=PY, source=textwrap.dedent(source), env=host.env, **kw)  # type: ignore[arg-type]


def not_isolation(request: pytest.FixtureRequest, backend: Backend, why: str) -> None:
    if not backend.isolating:
        request.applymarker(pytest.mark.xfail(strict=True, reason=f"process backend: {why}"))


def test_fork_bomb(any_backend: Backend, host: Host) -> None:
    src = """
    import os
    while True:
        try:
            os.fork()
        except OSError:
            pass
    """
    res = any_backend.run(py(host, src, limits=Limits(wall_s=1, cpu_s=1, processes=16)))
    assert res.verdict in ("timeout", "runtime_error"), res
    assert res.wall_s < 6
    host.assert_clean()


def test_memory_bomb(any_backend: Backend, host: Host) -> None:
    src = """
    chunks = []
    while True:
        chunks.append(bytearray(16 << 20))
    """
    res = any_backend.run(py(host, src, limits=Limits(memory_mb=128, wall_s=10)))
    assert res.verdict == "memory", res
    host.assert_clean()


def test_cpu_spin_hits_cpu_limit(any_backend: Backend, host: Host) -> None:
    res = any_backend.run(py(host, "while True: pass", limits=Limits(cpu_s=1, wall_s=10)))
    assert res.verdict == "timeout", res
    # RLIMIT_CPU is checked against tick-sampled CPU time, the cgroup counts exact run
    # time; under load they differ by a fraction of a second. The CPU limit, not the
    # 10 s wall limit, ended it, however slowly a loaded host ran the second of CPU.
    assert 0.5 <= res.cpu_s < 4 and res.wall_s < 9
    host.assert_clean()


def test_sleep_hits_wall_limit_and_children_die(any_backend: Backend, host: Host) -> None:
    src = """
    import subprocess, time
    subprocess.Popen(["/bin/sleep", "60"])
    time.sleep(60)
    """
    t0 = time.monotonic()
    res = any_backend.run(py(host, src, limits=Limits(wall_s=0.5)))
    assert res.verdict == "timeout", res
    assert time.monotonic() - t0 < 5
    host.assert_clean()


def test_gigabyte_of_output_is_cut_at_the_limit(any_backend: Backend, host: Host) -> None:
    src = """
    import sys
    block = b"A" * (1 << 20)
    for _ in range(1024):
        sys.stdout.buffer.write(block)
    """
    t0 = time.monotonic()
    res = any_backend.run(py(host, src, limits=Limits(output_bytes=1 << 20, wall_s=20)))
    assert res.verdict == "output_limit", res
    assert res.stdout_truncated and len(res.stdout) == 1 << 20
    assert time.monotonic() - t0 < 10
    host.assert_clean()


def test_filling_the_disk_past_the_file_size_limit(any_backend: Backend, host: Host) -> None:
    src = """
    with open("big.bin", "wb") as fh:
        while True:
            fh.write(b"\\0" * (1 << 20))
    """
    res = any_backend.run(py(host, src, limits=Limits(file_size_bytes=4 << 20, wall_s=10)))
    assert res.verdict == "output_limit", res
    host.assert_clean()


def test_many_files_are_bounded(isolating_backend: Backend, isolated_host: Host) -> None:
    # Many files each under the size limit: bounded by the memory limit (tmpfs pages are
    # charged to the job) or by the wall clock -- never by the host's disk.
    src = """
    i = 0
    while True:
        with open(f"f{i}", "wb") as fh:
            fh.write(b"\\1" * (1 << 20))
        i += 1
    """
    res = isolating_backend.run(
        py(isolated_host, src, limits=Limits(memory_mb=96, file_size_bytes=2 << 20, wall_s=10))
    )
    assert res.verdict in ("memory", "runtime_error"), res
    isolated_host.assert_clean()


def test_open_file_exhaustion(any_backend: Backend, host: Host) -> None:
    src = """
    import errno
    fds = []
    try:
        while True:
            fds.append(open("/dev/null"))
    except OSError as e:
        print(len(fds), errno.errorcode[e.errno])
    """
    res = any_backend.run(py(host, src, limits=Limits(open_files=32)))
    assert res.verdict == "ok", (res.verdict, res.stderr[-2000:])
    count, err = res.stdout.split()
    assert int(count) < 32 and err == "EMFILE"
    host.assert_clean()


def _reachable(host_: str, port: int) -> bool:
    try:
        with socket.create_connection((host_, port), timeout=2):
            return True
    except OSError:
        return False


NET_TARGETS = [("127.0.0.1", 6379), ("127.0.0.1", 5432), ("deb.debian.org", 80), ("1.1.1.1", 53)]


def test_network_egress_is_blocked(
    any_backend: Backend, host: Host, request: pytest.FixtureRequest
) -> None:
    targets = [t for t in NET_TARGETS if _reachable(*t)]
    if not targets:
        pytest.skip("none of the network targets is reachable from the host itself")
    not_isolation(request, any_backend, "no network namespace")
    src = f"""
    import socket
    for h, p in {targets!r}:
        try:
            socket.create_connection((h, p), timeout=2).close()
            print("CONNECTED", h, p)
        except OSError as e:
            print("blocked", h, p, type(e).__name__)
    """
    res = any_backend.run(py(host, src, limits=Limits(wall_s=15)))
    assert res.verdict == "ok", (res.verdict, res.stderr[-2000:])
    assert "CONNECTED" not in res.stdout and res.stdout.count("blocked") == len(targets)
    host.assert_clean()


def test_network_is_reachable_only_when_asked(isolating_backend: Backend) -> None:
    if not _reachable("127.0.0.1", 6379) or isolating_backend.name != "bwrap":
        pytest.skip("needs the loopback Redis and the bwrap backend (shares the host network)")
    src = "import socket; socket.create_connection(('127.0.0.1', 6379), timeout=2); print('up')"
    res = isolating_backend.run(ExecRequest(language=PY, source=src, limits=Limits(network=True)))
    assert res.stdout == "up\n"


def test_host_secrets_are_out_of_reach(
    any_backend: Backend, host: Host, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("M1ENV_FAKE_SECRET", "hunter2-secret")
    src = """
    import os, socket
    print("ENV", sorted(os.environ))
    print("SECRETVAL" if "hunter2" in repr(dict(os.environ)) else "noval")
    for path in ("/etc/shadow", "/root/.bash_history", "/root/.ssh/id_rsa", "/proc/1/environ"):
        try:
            open(path, "rb").read(); print("READ", path)
        except OSError as e:
            print("denied", path, type(e).__name__)
    for d in ("/root", "/home"):
        try:
            print("LIST", d, os.listdir(d))
        except OSError as e:
            print("denied", d, type(e).__name__)
    try:
        s = socket.socket(socket.AF_UNIX); s.connect("/var/run/docker.sock"); print("DOCKER")
    except OSError as e:
        print("denied docker", type(e).__name__)
    """
    res = any_backend.run(py(host, src))
    assert res.verdict == "ok", (res.verdict, res.stderr[-2000:])
    assert "noval" in res.stdout and "M1ENV_FAKE_SECRET" not in res.stdout
    assert "READ /etc/shadow" not in res.stdout and "READ /root" not in res.stdout
    assert "DOCKER" not in res.stdout and "LIST /root" not in res.stdout
    host.assert_clean()


def test_writing_outside_the_work_dir(
    any_backend: Backend, host: Host, request: pytest.FixtureRequest
) -> None:
    not_isolation(request, any_backend, "/tmp and /dev/shm are the host's")
    targets = [f"/tmp/{host.token}", f"/dev/shm/{host.token}", f"/etc/{host.token}",
               f"/usr/{host.token}", f"/root/{host.token}", f"/var/tmp/{host.token}",
               os.path.join(os.getcwd(), host.token)]  # fmt: skip
    src = f"""
    for path in {targets!r}:
        try:
            with open(path, "w") as fh:
                fh.write("pwned")
        except OSError:
            pass
    """
    try:
        res = any_backend.run(py(host, src))
        assert res.verdict == "ok", (res.verdict, res.stderr[-2000:])
        assert [t for t in targets if os.path.exists(t)] == []
    finally:
        _remove(targets)
    host.assert_clean()


def test_planted_symlink_is_not_followed_by_the_host(any_backend: Backend, host: Host) -> None:
    secret = f"/root/m1env-canary-{host.token}"
    with open(secret, "w") as fh:
        fh.write("canary-content")
    os.chmod(secret, 0o600)
    try:
        req = ExecRequest(
            command=["/bin/sh", "-c", f"ln -s {secret} out.txt; mkdir d; ln -s /root d/up; true"],
            collect=["out.txt", "d/up/" + os.path.basename(secret)],
            env=host.env,
        )
        res = any_backend.run(req)
        assert res.files == {}, res
        assert len([m for m in res.messages if "not collected" in m]) == 2
        with open(secret) as fh:
            assert fh.read() == "canary-content"
    finally:
        os.unlink(secret)
    host.assert_clean()


def test_path_traversal_in_file_names_is_refused(any_backend: Backend) -> None:
    for name in ("../escape.txt", "/tmp/abs.txt", "a/../../escape.txt"):
        with pytest.raises(UnsafePathError):
            any_backend.run(ExecRequest(command=["/bin/true"], files={name: b"x"}))
    assert not os.path.exists("../escape.txt")


def test_tiocsti_terminal_injection_fails(any_backend: Backend, host: Host) -> None:
    src = """
    import fcntl, os, termios
    results = []
    fds = [0, 1, 2]
    try:
        fds.append(os.open("/dev/tty", os.O_RDWR))
    except OSError as e:
        results.append("no-tty")
    for fd in fds:
        try:
            fcntl.ioctl(fd, termios.TIOCSTI, b"x")
            results.append(f"INJECTED{fd}")
        except OSError:
            results.append(f"refused{fd}")
    print(" ".join(results))
    """
    res = any_backend.run(py(host, src))
    assert res.verdict == "ok", (res.verdict, res.stderr[-2000:])
    assert "INJECTED" not in res.stdout and "no-tty" in res.stdout
    host.assert_clean()


def test_mount_ptrace_setuid_attempts_fail(any_backend: Backend, host: Host) -> None:
    src = """
    import ctypes, os, subprocess
    libc = ctypes.CDLL(None, use_errno=True)
    out = []
    r = libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)
    out.append("MOUNTED" if r == 0 else "mount-denied")
    r = libc.ptrace(16, HOSTPID, None, None)  # PTRACE_ATTACH to the worker
    out.append("PTRACED" if r == 0 else "ptrace-denied")
    try:
        os.setuid(0); out.append("SETUID" if os.getuid() == 0 and os.geteuid() == 0 and os.getuid() != ORIG else "setuid-noop")
    except OSError:  # EPERM, or EINVAL where uid 0 is not mapped in the user namespace
        out.append("setuid-denied")
    for argv in (["/usr/bin/su", "-c", "id -u"], ["/usr/bin/mount", "-t", "tmpfs", "none", "/mnt"]):
        if os.path.exists(argv[0]):
            p = subprocess.run(argv, capture_output=True, stdin=subprocess.DEVNULL, timeout=5)
            out.append(("RAN0" if p.stdout.strip() == b"0" else "setuid-binary-failed"))
    print(" ".join(out))
    """.replace("ORIG", "os.getuid()").replace("HOSTPID", str(os.getpid()))
    res = any_backend.run(py(host, src, limits=Limits(wall_s=15)))
    assert res.verdict == "ok", (res.verdict, res.stderr[-2000:])
    for bad in ("MOUNTED", "PTRACED", "SETUID", "RAN0"):
        assert bad not in res.stdout, res.stdout
    host.assert_clean()


def test_code_run_at_compile_time_is_sandboxed(any_backend: Backend, host: Host) -> None:
    # The compiler reads what #include names: secrets must not leak into diagnostics,
    # and an endless include is stopped by the compile step's own limits.
    leak = ExecRequest(language="c", source='#include "/etc/shadow"\nint main(){}\n', env=host.env)
    res = any_backend.run(leak)
    assert res.stage == "compile" and res.verdict == "runtime_error"
    assert "root:" not in res.stderr
    endless = ExecRequest(
        language="c",
        source='#include "/dev/zero"\nint main(){}\n',
        compile_limits=Limits(wall_s=2, cpu_s=2, memory_mb=256, processes=16),
        env=host.env,
    )
    res = any_backend.run(endless)
    assert res.stage == "compile" and res.verdict in ("timeout", "memory"), res
    host.assert_clean()


def test_no_state_is_left_for_the_next_job(
    any_backend: Backend, host: Host, request: pytest.FixtureRequest
) -> None:
    not_isolation(request, any_backend, "/tmp and /dev/shm are shared between jobs")
    names = [f"/tmp/{host.token}", f"/dev/shm/{host.token}", f"./{host.token}"]
    writer = f"""
    import os
    for n in {names!r}:
        with open(n, "w") as fh:
            fh.write("left")
    print("ok")
    """
    try:
        res = any_backend.run(py(host, writer))
        assert res.verdict == "ok" and res.stdout == "ok\n", res
        reader = f"import os; print([n for n in {names!r} if os.path.exists(n)])"
        res = any_backend.run(py(host, reader))
        assert res.stdout == "[]\n", res
    finally:
        _remove(names[:2])
    host.assert_clean()


def _remove(paths: list[str]) -> None:
    """Undo what an attack did on a backend that could not stop it (process)."""
    for path in paths:
        if os.path.isfile(path):
            os.unlink(path)


WORKER = """
import sys
from m1env import sandbox
backend = sandbox.get_backend(sys.argv[1])
src = "import subprocess, time; subprocess.Popen(['/bin/sleep', '120']); time.sleep(120)"
backend.run(sandbox.ExecRequest(language="python3", source=src,
            env={"M1ENV_TEST_TOKEN": sys.argv[2][::-1]}, limits=sandbox.Limits(wall_s=120, cpu_s=120)))
"""


def test_worker_killed_mid_run(
    any_backend: Backend, host: Host, request: pytest.FixtureRequest
) -> None:
    not_isolation(request, any_backend, "grandchildren survive a worker crash")
    worker = subprocess.Popen(
        # The token goes in reversed so that the worker itself does not match it.
        [sys.executable, "-c", WORKER, any_backend.name, host.token[::-1]],
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    try:
        deadline = time.monotonic() + 30
        # Mid-run: the job's python and its sleep child both exist (plus, for bwrap, the
        # two bwrap processes; the token is in all their environments).
        want = 4 if any_backend.name == "bwrap" else 2
        while len(host.processes()) < want and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(host.processes()) >= want, "the job did not start"
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        deadline = time.monotonic() + 3
        while host.processes() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert host.processes() == []
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        for pid in host.processes():  # only on a failure: do not leak sleepers
            os.kill(int(pid), signal.SIGKILL)
    if any_backend.name == "docker":
        # Its job container and its warm pool go away by themselves (stdin EOF).
        prefix = f"{socket.gethostname()}:{worker.pid}:"
        api = any_backend.api  # type: ignore[attr-defined]

        def left() -> list[str]:
            found = api.containers(all=True, filters={"label": "m1env.sandbox"})
            return [c["Id"] for c in found if c["Labels"]["m1env.owner"].startswith(prefix)]

        deadline = time.monotonic() + 15
        while left() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert left() == []
    # The dead worker's job dirs / cgroups / containers are reaped by the next backend.
    fresh = type(any_backend)()
    try:
        assert fresh.run(ExecRequest(command=["/bin/true"])).verdict == "ok"
        # Job dirs and per-job cgroups (``job-``), and bwrap's slot cgroups (``slot-``).
        dead = (f"job-{worker.pid}-", f"slot-{worker.pid}-")
        for base in _workdir_bases(fresh):
            left = [n for n in os.listdir(base) if n.startswith(dead)]
            assert left == []
    finally:
        fresh.close()


def _workdir_bases(backend: Backend) -> list[str]:
    bases = []
    if getattr(backend, "workdirs", None) is not None:
        bases.append(backend.workdirs.base)  # type: ignore[attr-defined]
    cg = getattr(backend, "cgroups", None)
    if cg is not None:
        bases += [cg.memory_base, cg.pids_base]
    return bases


def test_compile_step_planting_a_symlink_as_its_artifact(any_backend: Backend, host: Host) -> None:
    # A toolchain (or code run at compile time) that leaves a link to a host secret
    # where the binary should be: the host must neither read it nor run anything.
    from m1env import sandbox

    evil = sandbox.Language(
        name="test-evil-build",
        source_file="main.sh",
        compile=("/bin/sh", "-c", "ln -s /etc/shadow main"),
        artifacts=("main",),
        run=("./main",),
    )
    sandbox.register_language(evil, replace=True)
    res = any_backend.run(ExecRequest(language="test-evil-build", source="x", env=host.env))
    assert (res.stage, res.verdict) == ("compile", "runtime_error"), res
    assert any("no regular file" in m for m in res.messages)
    assert res.files == {}
    host.assert_clean()


def test_concurrent_jobs_cannot_see_each_other(
    isolating_backend: Backend, isolated_host: Host
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    writer = """
    import os, time
    for d in ("/work", "/tmp", "/dev/shm"):
        with open(os.path.join(d, "secret-of-a"), "w") as fh:
            fh.write("a")
    time.sleep(1.5)
    """
    reader = """
    import os, time
    time.sleep(0.5)
    seen = [os.path.join(d, n) for d in ("/work", "/tmp", "/dev/shm") for n in os.listdir(d)]
    procs = [p for p in os.listdir("/proc") if p.isdigit()]
    print(sorted(s for s in seen if "secret" in s), len(procs))
    """
    with ThreadPoolExecutor(2) as pool:
        a = pool.submit(isolating_backend.run, py(isolated_host, writer))
        b = pool.submit(isolating_backend.run, py(isolated_host, reader))
        res_a, res_b = a.result(), b.result()
    assert res_a.verdict == "ok" and res_b.verdict == "ok", (res_a, res_b)
    found, nprocs = res_b.stdout.rsplit(" ", 1)
    assert found == "[]" and int(nprocs) <= 3  # itself, and bwrap's init (docker: runner)
    isolated_host.assert_clean()
