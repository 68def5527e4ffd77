"""Task environments (``sandbox.prepare_environment``): the spec is checked, each isolating
backend builds its part once per content hash, and a job sees what was built, read-only.
(The SWE verifier's use, with requirements from a local wheel: tests/swe/test_environment.py.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from m1env import sandbox
from m1env.sandbox.backend import Backend

from .conftest import make_backend

_TOOL = {"hello_tool/__init__.py": b"GREETING = 'hi from the tool'\n"}


@pytest.fixture
def cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    # World-traversable: bwrap (as the sandbox user) must reach the venv to mount it.
    root = Path(tempfile.mkdtemp(prefix="swe-env-envs-"))
    os.chmod(root, 0o755)
    monkeypatch.setenv("M1ENV_SWE_CACHE", str(root / "cache"))
    yield root
    sandbox.close_environments()
    shutil.rmtree(root, ignore_errors=True)


def _spec(**changes: object) -> sandbox.EnvironmentSpec:
    fields: dict[str, object] = {
        "name": "env-test/tools",
        "tools": _TOOL,
        "tools_key": "hello-1",
        "files": {"pkg/mod.py": "X = 1\n"},
        "image_prefix": "swe-env-test",
    }
    return sandbox.EnvironmentSpec(**{**fields, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"requirements": ("--index-url=http://x",)}, "not a pip requirement"),
        ({"tools_key": "../up"}, "tools_key"),
        ({"files": {"../escape.py": ""}}, "'..'"),
        ({"image_prefix": "Upper"}, "image_prefix"),
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_spec_is_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(sandbox.SandboxConfigError, match=message):
        _spec(**changes)


def test_process_backend_installs_nothing() -> None:
    backend = make_backend("process")
    bare = sandbox.prepare_environment(_spec(), backend)
    assert bare.backend is backend and bare.mounts == {} and bare.tools_dir is None
    with pytest.raises(sandbox.EnvironmentBuildError, match="cannot provide requirements"):
        sandbox.prepare_environment(_spec(requirements=("attrs",)), backend)


def _import_tool(env: sandbox.PreparedEnvironment) -> sandbox.ExecResult:
    assert env.tools_dir is not None
    script = (
        f"import sys; sys.path[:0] = {[env.tools_dir, *env.site_dirs]!r}\n"
        "import hello_tool; print(hello_tool.GREETING)\n"
        f"open({env.tools_dir + '/x'!r}, 'w')\n"
    )
    return env.backend.run(
        sandbox.ExecRequest(command=["/usr/bin/python3", "-c", script], mounts=env.mounts)
    )


def _check_built_once(backend: Backend) -> sandbox.PreparedEnvironment:
    first = sandbox.prepare_environment(_spec(), backend)
    again = sandbox.prepare_environment(_spec(), backend)
    assert first.built and not again.built and again.key == first.key
    other = sandbox.prepare_environment(_spec(files={"pkg/mod.py": "X = 2\n"}), backend)
    assert other.key != first.key
    result = _import_tool(again)
    assert "hi from the tool" in result.stdout, result
    # The environment is read-only: a job cannot leave anything for the next one.
    assert result.verdict == "runtime_error" and "Read-only file system" in result.stderr
    return again


def test_bwrap_builds_a_venv_once_and_mounts_it_read_only(cache: Path) -> None:
    env = _check_built_once(make_backend("bwrap"))
    assert env.bin_dirs and all(not m.writable for m in env.mounts.values())
    assert Path(env.mounts[sandbox.environments.VENV_MOUNT].source).parent == cache / "cache/venvs"


@pytest.mark.docker
def test_docker_builds_an_image_once(cache: Path) -> None:
    env = _check_built_once(make_backend("docker"))
    try:
        assert env.key.startswith("swe-env-test-env-test-tools:") and env.mounts == {}
    finally:
        sandbox.close_environments()
        listed = subprocess.run(
            ["docker", "images", "-q", "--filter", "reference=swe-env-test-env-test-tools"],
            capture_output=True, text=True, check=False,
        ).stdout.split()  # fmt: skip
        if listed:
            subprocess.run(["docker", "rmi", "-f", *set(listed)], capture_output=True, check=False)
