"""The example plugin (examples/m1env-riddles) and duplicate entry points.

The plugin is a separately installed package: the tests find it the way a user
would, through the real ``m1env envs --json`` in a subprocess and ``gymnasium.make``.
The duplicate test writes a second distribution's metadata (a real ``dist-info``
with an ``entry_points.txt``) on a temporary ``sys.path`` entry, so the clash comes
from ``importlib.metadata`` exactly as two installed packages would produce it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap

import gymnasium as gym
import pytest

import m1env

needs_plugin = pytest.mark.skipif(
    importlib.util.find_spec("m1env_riddles") is None,
    reason="example plugin not installed: pip install -e examples/m1env-riddles "
    "(scripts/test.sh does this)",
)


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
        check=False,
    )


@needs_plugin
def test_plugin_is_listed_by_the_cli():
    # The installed console script when there is one (what a user runs), else the module.
    script = shutil.which("m1env", path=os.path.dirname(sys.executable))
    command = [script] if script else [sys.executable, "-m", "m1env.cli"]
    done = subprocess.run(
        [*command, "envs", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = {row["id"]: row for row in map(json.loads, done.stdout.splitlines())}
    assert rows["riddles/Riddles-v0"]["verifier"] == "riddles/alias"
    assert "m1env/Math-v0" in rows


@needs_plugin
def test_plugin_env_and_verifier_work_through_gymnasium():
    env = gym.make("riddles/Riddles-v0")
    _, info = env.reset(seed=0)
    aliases = info["task"]["reference"]
    _, reward, terminated, _, info = env.step(f"Hmm. <answer>The {aliases[-1].upper()}!</answer>")
    assert (reward, terminated, info["score"].status) == (1.0, True, "correct")
    env.reset(seed=0)
    _, reward, _, _, info = env.step("<answer>a teapot</answer>")
    assert reward == 0.0 and "none of the accepted answers" in info["score"].reason
    assert "riddles/alias" in m1env.verifier_names()
    m1env.check_env("riddles/Riddles-v0")


def _fake_dist(tmp_path, name: str, entry_points: str) -> str:
    info = tmp_path / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))
    return str(tmp_path)


def test_duplicate_environment_id_from_two_packages_is_rejected(tmp_path):
    site = _fake_dist(
        tmp_path,
        "m1env_impostor",
        """
        [m1env.environments]
        m1env/Math-Arithmetic-v0 = m1env_impostor.env:SPEC
        """,
    )
    code = textwrap.dedent(
        """
        import gymnasium as gym, m1env
        for attempt in (lambda: m1env.spec("m1env/Math-Arithmetic-v0"),
                        lambda: gym.make("m1env/Math-Arithmetic-v0")):
            try:
                attempt()
            except m1env.DuplicateEnvironmentError as exc:
                print("REJECTED", exc)
            else:
                print("ACCEPTED")
        m1env.check_env("m1env/Math-Linear-v0", episodes=1)  # other ids still work
        print("OTHERS OK")
        """
    )
    done = _python(code, PYTHONPATH=os.pathsep.join([site, os.environ.get("PYTHONPATH", "")]))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "OTHERS OK"
    assert [line.split()[0] for line in lines[:2]] == ["REJECTED", "REJECTED"]
    assert "registered twice" in lines[0]
    assert "m1env.envs.math.arithmetic:SPEC" in lines[0] and "m1env_impostor.env:SPEC" in lines[0]
