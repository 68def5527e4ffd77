"""The migrations ship in the wheel: an installed m1env can migrate its database."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_installed_wheel_migrates_a_database(tmp_path: Path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("m1env-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "m1env/store/migrations/versions/0001_initial_schema.py" in names
    assert "m1env/store/migrations/script.py.mako" in names
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    # The unpacked wheel comes first on sys.path, ahead of the editable checkout.
    code = (
        "import sys, m1env.store; assert m1env.store.__file__.startswith(sys.argv[1]);"
        "from m1env.cli import main; sys.exit(main(['db', 'upgrade', '--url', sys.argv[2]]))"
    )
    url = f"sqlite:///{tmp_path / 'installed.db'}"
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "site"), url],
        env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["up_to_date"] is True
