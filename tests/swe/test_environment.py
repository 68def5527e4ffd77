"""Per-task environments, as the sandbox builds them for the SWE verifier: the bwrap venv
(built once per content hash, with requirements from a local wheel) and the
per-repository docker image (built once, cache hit after)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from m1env import sandbox
from m1env.envs.swe import SWEConfig, SWEEnv
from m1env.envs.swe.scripted import call, patch_actions, run_episode
from m1env.sandbox.backends._image import image_tag
from m1env.sandbox.environments import content_hash
from m1env.verifiers.swe import SWEInstance, SWEVerifier, grade
from m1env.verifiers.swe.environment import environment_spec, task_environment
from tests.swe.helpers import diff, task

_CORE = "import mini_dep\n\n\ndef answer():\n    return mini_dep.VALUE - 1\n"
_TEST = "from pkg.core import answer\n\n\ndef test_answer():\n    assert answer() == 42\n"


def _wheel(where: Path) -> Path:
    """A minimal pure-Python wheel ``mini_dep`` (pip installs it with --no-index)."""
    path = where / "mini_dep-1.0-py3-none-any.whl"
    files = {
        "mini_dep/__init__.py": "VALUE = 42\n",
        "mini_dep-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: mini-dep\nVersion: 1.0\n",
        "mini_dep-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{name},,\n" for name in files) + "mini_dep-1.0.dist-info/RECORD,,\n"
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
        zf.writestr("mini_dep-1.0.dist-info/RECORD", record)
    return path


def _instance() -> SWEInstance:
    fixed = _CORE.replace("VALUE - 1", "VALUE")
    return SWEInstance(
        repo="swe-env-test/needs-dep",
        instance_id="needs-dep-1",
        base_commit="0" * 40,
        environment_setup_commit="0" * 40,
        patch=diff("pkg/core.py", _CORE, fixed),
        FAIL_TO_PASS=("tests/test_core.py::test_answer",),
        files={"pkg/__init__.py": "", "pkg/core.py": _CORE, "tests/test_core.py": _TEST},
        requirements=("mini-dep==1.0",),
    )


@pytest.fixture
def cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    # World-traversable: bwrap (as the sandbox user) must reach the venv to mount it.
    root = Path(tempfile.mkdtemp(prefix="swe-env-test-cache-"))
    os.chmod(root, 0o755)
    wheels = root / "wheels"
    wheels.mkdir()
    _wheel(wheels)
    monkeypatch.setenv("M1ENV_SWE_CACHE", str(root / "cache"))
    monkeypatch.setenv("M1ENV_SWE_WHEELS", str(wheels))
    yield root
    sandbox.close_environments()
    shutil.rmtree(root, ignore_errors=True)


def _hash(inst: SWEInstance, base: str = "b") -> str:
    return content_hash(environment_spec(inst), base)


def test_content_hash_changes_with_files_and_requirements() -> None:
    inst = _instance()
    same = SWEInstance.from_dict(inst.to_dict())
    assert _hash(inst) == _hash(same)
    assert _hash(inst) != _hash(inst, "other-base")
    other_files = SWEInstance.from_dict({**inst.to_dict(), "files": {**inst.files, "x.py": ""}})
    assert _hash(inst) != _hash(other_files)
    other_reqs = SWEInstance.from_dict({**inst.to_dict(), "requirements": ["mini-dep==2"]})
    assert _hash(inst) != _hash(other_reqs)
    # How and under which name it is built is not what it is.
    assert _hash(inst) == content_hash(environment_spec(inst, image_prefix="x", wheels="/w"), "b")


def test_requirements_reject_pip_options() -> None:
    with pytest.raises(ValueError, match="pip option"):
        SWEInstance.from_dict({**_instance().to_dict(), "requirements": ["--index-url=http://x"]})


def test_bwrap_venv_is_built_once_and_provides_the_requirements(cache: Path) -> None:
    inst = _instance()
    first = task_environment(inst, "bwrap")
    venv = Path(first.mounts[sandbox.environments.VENV_MOUNT].source)
    assert first.built and (venv / "pyvenv.cfg").is_file() and venv.name == first.key
    again = task_environment(inst, "bwrap")
    assert again.key == first.key and not again.built
    assert first.tools_dir and all(not m.writable for m in first.mounts.values())
    assert grade(inst, inst.patch, environment=again).score == 1.0
    assert grade(inst, "", environment=again).score == 0.0
    # Without the task's environment the dependency is missing: the venv is what provides it.
    bare = grade(inst, inst.patch)
    assert bare.score == 0.0 and "mini_dep" in bare.details["log"]


def test_swe_verifier_grades_in_the_task_environment(cache: Path) -> None:
    inst = _instance()
    verifier = SWEVerifier()
    assert verifier.verify(inst.patch, inst.to_dict()).status == "correct"
    assert verifier.verify("", inst.to_dict()).status == "incorrect"


def test_swe_episode_uses_the_task_venv(cache: Path) -> None:
    inst = _instance()
    tasks = cache / "tasks.jsonl"
    tasks.write_text(json.dumps(inst.to_dict()) + "\n")
    env = SWEEnv(path=tasks)
    env.reset(options={"index": 0})
    obs = env.step(
        call("bash", command="python3 -c 'import mini_dep, sys; print(mini_dep.VALUE)'")
    )[0]
    assert "42" in obs, obs
    done = run_episode(env, patch_actions(inst, inst.patch), options={"index": 0})
    assert done["reward"] == 1.0, done["info"]["score"]
    env.close()


def test_process_backend_refuses_requirements(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("M1ENV_ALLOW_UNSANDBOXED", "1")  # trusted test code only
    with pytest.raises(sandbox.EnvironmentBuildError, match="cannot provide requirements"):
        task_environment(_instance(), "process")
    bare = task_environment(task(), "process")
    assert bare.mounts == {} and bare.tools_dir is None and not bare.built


def test_an_environment_that_cannot_be_built_is_an_error_score(cache: Path) -> None:
    broken = SWEInstance.from_dict({**_instance().to_dict(), "requirements": ["mini-dep==9"]})
    score = SWEVerifier().verify(broken.patch, broken.to_dict())
    assert score.status == "error" and score.details["verdict"] == "environment"
    assert "the task's environment" in score.reason


def _remove_image(tag: str) -> None:
    subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, check=False)


@pytest.mark.docker
def test_docker_image_is_built_once_and_cached(cache: Path) -> None:
    inst = _instance()
    first = task_environment(inst, "docker", image_prefix="swe-env-test")
    tag = first.key
    try:
        assert first.built and tag.startswith("swe-env-test-swe-env-test-needs-dep:")
        again = task_environment(inst, "docker", image_prefix="swe-env-test")
        assert (again.key, again.built) == (tag, False)
        assert again.backend is first.backend  # one backend (and warm pool) per image
        listed = subprocess.run(
            ["docker", "image", "inspect", tag, "--format", "{{json .Config.Labels}}"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        assert json.loads(listed)["m1env.swe.repo"] == inst.repo
        assert grade(inst, inst.patch, environment=again).score == 1.0
        assert grade(inst, "", environment=again).score == 0.0
    finally:
        sandbox.close_environments()
        _remove_image(tag)


@pytest.mark.docker
def test_swe_episode_on_docker_reaches_1(cache: Path) -> None:
    inst = task()
    env = SWEEnv(config=SWEConfig(backend="docker", image_prefix="swe-env-test"))
    try:
        done = run_episode(env, patch_actions(inst, inst.patch), options={"index": 0})
        assert done["reward"] == 1.0, done["info"]["score"]
        nothing = run_episode(
            env, [call("bash", command="id -u; ls"), call("submit")], options={"index": 0}
        )
        assert nothing["reward"] == 0.0 and "65534" in nothing["observations"][0]
        net = run_episode(
            env,
            [call("bash", command="python3 -c \"import socket; socket.create_connection(('1.1.1.1', 53), 2)\""),
             call("submit")],
            options={"index": 0},
        )  # fmt: skip
        assert "exit code 1" in net["observations"][0]
    finally:
        env.close()
        sandbox.close_environments()
        base = subprocess.run(
            ["docker", "image", "inspect", "m1env-sandbox-base", "--format", "{{.Id}}"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        _remove_image(image_tag(environment_spec(inst, image_prefix="swe-env-test"), base))
