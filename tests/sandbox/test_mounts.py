"""``ExecRequest.mounts``: a persistent writable workspace and read-only binds."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import sandbox
from sandbox.backend import Backend
from sandbox.backends.process import ProcessBackend


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
    with pytest.raises(sandbox.ConfigError):
        sandbox.ExecRequest(command=["true"], mounts={inside: sandbox.Mount("/tmp")})


def test_mount_source_must_be_absolute() -> None:
    with pytest.raises(sandbox.ConfigError):
        sandbox.Mount("relative/dir")


def test_process_backend_refuses_mounts(shared_dir: Path) -> None:
    with pytest.warns(RuntimeWarning):
        backend = ProcessBackend()
    with pytest.raises(sandbox.ConfigError, match="cannot mount"):
        _run(backend, "true", shared_dir)
