"""The training image (docker/Dockerfile.train), built offline and run (markers ``docker``, ``slow``).

``scripts/build-images.sh --train`` wheels ``.[train,postgres]`` with torch on the host and
builds the image with ``--no-index``; the container then runs two SFT steps of the bundled
policy with no network at all, and writes a checkpoint. Slow: the torch wheel alone is
~200 MB to copy and install (see the README's Production section for the time it takes).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

pytestmark = [pytest.mark.docker, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
IMAGE = os.environ.get("M1ENV_TEST_IMAGE", "m1env")


def test_training_image_builds_offline_and_trains(tmp_path: Path) -> None:
    train_image = f"{IMAGE}-train"
    build = subprocess.run(
        ["bash", str(ROOT / "scripts/build-images.sh"), "--train"],
        cwd=ROOT,
        env={**os.environ, "PYTHON": sys.executable, "M1ENV_IMAGE": IMAGE,
             "M1ENV_TRAIN_IMAGE": train_image},
        capture_output=True,
        text=True,
        timeout=1800,
    )  # fmt: skip
    assert build.returncode == 0, (build.stdout + build.stderr)[-3000:]
    name = f"m1envtrain{uuid.uuid4().hex[:8]}"
    run = subprocess.run(
        ["docker", "run", "--rm", "--name", name, "--network", "none", "--cap-drop", "ALL",
         "--security-opt", "no-new-privileges:true", train_image, "sh", "-c",
         "m1env train sft --env m1env/Math-Arithmetic-v0 --steps 2 --batch-size 2"
         " --out /tmp/sft --threads 1 && ls /tmp/sft"
         " && python -c 'import torch; print(\"torch\", torch.__version__)'"],
        capture_output=True,
        text=True,
        timeout=900,
    )  # fmt: skip
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    assert "torch 2.13.0" in run.stdout, run.stdout
    assert "model.safetensors" in run.stdout.split(), run.stdout
