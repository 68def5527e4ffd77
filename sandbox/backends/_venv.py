"""The bwrap backend's task environments: a host venv per content hash, mounted read-only.

The venv is made with the sandbox's own interpreter (``/usr/bin/python3 -m venv
--without-pip``: ``/usr`` is what bwrap mounts, not the worker's Python) under
:func:`~m1env.sandbox.environments.cache_dir` ``/venvs/<hash>``; the spec's requirements
are installed into its site-packages by the worker's pip. The spec's tools are laid out
once per ``tools_key`` (``runner-<key>``) rather than copied into every run. Both are
built in a scratch dir and renamed into place, so a dir under its final name is always
complete, and are world-readable so the sandbox user can read them (nothing writable).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from m1env.errors import EnvironmentBuildError

from ..environments import (
    EnvironmentSpec,
    cache_dir,
    content_hash,
    layout,
    locked,
    open_tree,
    pip_install,
)

__all__ = ["ensure_tools", "ensure_venv", "site_packages"]

# The interpreter the bwrap sandbox runs (/usr is what it mounts), not the worker's.
SYSTEM_PYTHON = "/usr/bin/python3"


@functools.lru_cache(maxsize=4)
def _python_version(python: str) -> str:
    return subprocess.run(
        [python, "-c", "import sys; print(sys.version)"],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout.strip()  # fmt: skip


def site_packages(venv: Path) -> Path:
    found = sorted(venv.glob("lib/python3*/site-packages"))
    if not found:
        raise EnvironmentBuildError(f"{venv} has no lib/python3*/site-packages")
    return found[0]


def ensure_venv(spec: EnvironmentSpec, root: Path | None = None) -> tuple[Path, bool]:
    """The spec's venv dir (created if missing) and whether this call built it."""
    root = root or cache_dir()
    key = content_hash(spec, f"venv:{_python_version(SYSTEM_PYTHON)}")
    final = root / "venvs" / key
    if (final / "pyvenv.cfg").is_file():
        return final, False
    with locked(root / "venvs" / f".{key}.lock"):
        if (final / "pyvenv.cfg").is_file():
            return final, False
        os.makedirs(root, exist_ok=True)
        for part in (root, root / "venvs"):
            os.chmod(part, 0o755)
        scratch = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root / "venvs"))
        try:
            venv = scratch / "venv"
            made = subprocess.run(
                [SYSTEM_PYTHON, "-m", "venv", "--without-pip", str(venv)],
                capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip
            if made.returncode != 0:
                raise EnvironmentBuildError(f"python3 -m venv failed: {made.stderr[-500:]}")
            pip_install(spec.requirements, site_packages(venv), spec.wheels)
            (venv / "m1env-env.json").write_text(
                json.dumps({"name": spec.name, "key": key,
                            "requirements": list(spec.requirements)}) + "\n"
            )  # fmt: skip
            open_tree(venv)
            # Only the unused activate scripts name the scratch path; python finds its
            # prefix from pyvenv.cfg, wherever the dir is mounted.
            os.rename(venv, final)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return final, True


def ensure_tools(spec: EnvironmentSpec, root: Path | None = None) -> Path:
    """The spec's tools as a directory (once per ``tools_key``)."""
    root = root or cache_dir()
    final = root / f"runner-{spec.tools_key}"
    if (final / ".complete").is_file():
        return final
    with locked(root / f".runner-{spec.tools_key}.lock"):
        if (final / ".complete").is_file():
            return final
        os.makedirs(root, exist_ok=True)
        os.chmod(root, 0o755)
        scratch = Path(tempfile.mkdtemp(prefix=".runner-", dir=root))
        layout(scratch, spec.tools)
        (scratch / ".complete").write_text("")
        open_tree(scratch)
        shutil.rmtree(final, ignore_errors=True)
        os.rename(scratch, final)
    return final
