"""``ExecRequest.mounts``: a persistent writable workspace and read-only binds."""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from m1env import sandbox
from m1env.sandbox.backend import Backend
from m1env.sandbox.backends.process import ProcessBackend

from .conftest import make_backend


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    # The sandbox user (nobody when the tests run as root) must reach and write it.
    root = Path(tempfile.mkdtemp(prefix="swe-env-mount-"))
    os.chmod(root, 0o755)
    (root / "rw").mkdir()
    (root / "ro").mkdir()
    (root / "ro" / "data.txt").write_text("read me\n")
    if os.geteuid() == 0:
        os.chown(root / "rw", 65534, 65534)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _run(backend: Backend, script: str, shared: Path) -> sandbox.ExecResult:
    return backend.run(
        sandbox.ExecRequest(
            command=["/bin/sh", "-c", script],
            mounts={
                "/repo": sandbox.Mount(str(shared / "rw"), writable=True),
                "/opt/data": sandbox.Mount(str(shared / "ro")),
            },
        )
    )


def test_writable_mount_persists_across_steps_and_readonly_stays(
    isolating_backend: Backend, shared_dir: Path
) -> None:
    first = _run(isolating_backend, "echo one > /repo/f && cat /opt/data/data.txt", shared_dir)
    assert first.ok, first
    assert first.stdout == "read me\n"
    second = _run(isolating_backend, "cat /repo/f; echo x > /opt/data/data.txt", shared_dir)
    assert second.stdout.startswith("one")
    assert second.verdict == "runtime_error"  # the read-only bind refused the write
    assert (shared_dir / "ro" / "data.txt").read_text() == "read me\n"
    assert (shared_dir / "rw" / "f").read_text() == "one\n"


@pytest.mark.parametrize(
    "inside", ["/work/x", "/tmp", "/usr/lib/x", "relative", "/a/../b", "/", "/proc/self", "/lib64"]
)
def test_mount_points_inside_the_sandbox_layout_are_refused(inside: str) -> None:
    with pytest.raises(sandbox.SandboxConfigError):
        sandbox.ExecRequest(command=["true"], mounts={inside: sandbox.Mount("/tmp")})


def test_mount_source_must_be_absolute() -> None:
    with pytest.raises(sandbox.SandboxConfigError):
        sandbox.Mount("relative/dir")


def test_process_backend_refuses_mounts(shared_dir: Path) -> None:
    with warnings.catch_warnings():
        # It warns that it is no isolation (once per process); not what is tested here.
        warnings.simplefilter("ignore", RuntimeWarning)
        backend = ProcessBackend(allow_unsandboxed=True)
    with pytest.raises(sandbox.SandboxConfigError, match="cannot mount"):
        _run(backend, "true", shared_dir)


@pytest.mark.docker
def test_docker_prestarts_a_container_per_mount_set_and_forgets_it(shared_dir: Path) -> None:
    import time

    from m1env.sandbox.backends.docker import DockerBackend

    backend = DockerBackend(pool_size=0)
    try:
        rw = str(shared_dir / "rw")
        limits = sandbox.Limits()
        mounts = {"/repo": sandbox.Mount(rw, writable=True)}
        backend.prestart(limits, mounts)
        deadline = time.monotonic() + 60
        while not backend._mounted and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(backend._mounted) == 1
        (warm_id,) = [w.id for w in backend._mounted.values()]
        result = backend.run(
            sandbox.ExecRequest(command=["/bin/sh", "-c", "echo hi > /repo/x"], mounts=mounts)
        )
        assert result.ok, result
        assert (shared_dir / "rw" / "x").read_text() == "hi\n"
        # The pre-started container served the job (and is gone); the next one is starting.
        assert all(w.id != warm_id for w in backend._mounted.values())
        backend.forget_mounts(rw)
        deadline = time.monotonic() + 60
        while backend._mounted_starting and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not backend._mounted
        # The container that served the job removes itself (auto_remove) shortly after.
        deadline = time.monotonic() + 30
        while backend.unpooled_containers() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert backend.unpooled_containers() == []
    finally:
        backend.close()


def test_a_language_job_with_mounts_never_runs_in_a_sandbox_prepared_without_them(
    shared_dir: Path,
) -> None:
    # Same language and limits as the jobs before it: only the mounts differ, and a
    # sandbox started ahead of time for those jobs has none.
    backend = make_backend("bwrap")
    plain = sandbox.ExecRequest(language="python3", source="print('hi')")
    for _ in range(3):
        assert backend.run(plain).stdout == "hi\n"
    with_mount = sandbox.ExecRequest(
        language="python3",
        source="print(open('/opt/data/data.txt').read(), end='')",
        mounts={"/opt/data": sandbox.Mount(str(shared_dir / "ro"))},
    )
    res = backend.run(with_mount)
    assert res.ok and res.stdout == "read me\n", res
    assert backend.run(plain).stdout == "hi\n"
