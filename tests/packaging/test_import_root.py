"""One import root: everything ships and imports as ``m1env.*`` (the wheel and the editable
install alike), and nothing of ours is importable under a top-level name."""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import FOLDERS, leaked_top_level_modules
from tests.packaging.wheel import ROOT, wheel_names


def test_every_folder_imports_under_m1env():
    for name in sorted(FOLDERS):
        module = importlib.import_module(f"m1env.{name}")
        assert Path(module.__file__ or "").resolve() == ROOT / name / "__init__.py"


def test_a_top_level_import_of_one_of_our_folders_is_refused():
    for name in sorted(FOLDERS):
        sys.modules.pop(name, None)
        with pytest.raises(ImportError, match=f"m1env.{name}"):
            importlib.import_module(name)
    assert leaked_top_level_modules() == []


def test_the_install_exposes_no_top_level_name_but_m1env(tmp_path):
    # From a directory without our folders, as any user's program runs.
    code = (
        "import importlib.util, json, m1env.verifiers\n"
        f"found = {{n: getattr(importlib.util.find_spec(n), 'origin', None) for n in {sorted(FOLDERS)}}}\n"
        "print(json.dumps([m1env.verifiers.__file__, found]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    ours, found = json.loads(out.stdout)
    assert Path(ours).resolve() == ROOT / "verifiers" / "__init__.py"
    assert not [n for n, origin in found.items() if origin and str(ROOT) in origin], found


def test_the_wheel_holds_only_m1env_and_its_dist_info(wheel):
    names = wheel_names(wheel)
    tops = {n.split("/")[0] for n in names}
    assert tops == {"m1env", "m1env-0.1.0.dist-info"}, tops
    for folder in sorted(FOLDERS):
        assert f"m1env/{folder}/__init__.py" in names
    # Data ships; the author-time scripts that write it and the SWE task sources do not.
    assert {"m1env/data/code/problems.jsonl", "m1env/data/swe/tasks.jsonl"} <= set(names)
    assert "m1env/grm/templates/pointwise-v1.txt" in names
    assert "m1env/sandbox/_spawner.py" in names
    assert not [n for n in names if n.startswith("m1env/data/") and n.endswith(".py")
                and n != "m1env/data/__init__.py"]  # fmt: skip
    assert not [n for n in names if "/sources/" in n]


def test_the_wheels_metadata_names_one_top_level_and_m1env_entry_points(wheel):
    with zipfile.ZipFile(wheel) as zf:
        top_level = zf.read("m1env-0.1.0.dist-info/top_level.txt").decode().split()
        entry_points = zf.read("m1env-0.1.0.dist-info/entry_points.txt").decode()
    assert top_level == ["m1env"]
    targets = [line.split("=", 1)[1].strip() for line in entry_points.splitlines() if "=" in line]
    assert targets and all(t.startswith("m1env.") for t in targets), targets


def test_every_installed_entry_point_of_ours_loads():
    dist = importlib.metadata.distribution("m1env")
    eps = [ep for ep in dist.entry_points if ep.group in ("m1env.verifiers", "m1env.environments")]
    assert len(eps) > 20
    for ep in eps:
        assert ep.value.startswith("m1env."), ep
        assert ep.load() is not None
