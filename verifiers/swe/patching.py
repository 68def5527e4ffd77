"""Unified diffs: the paths a patch touches, and applying one to a directory.

Patches come from the policy, so they are applied with ``git apply`` (falling back to
``patch --batch``, as SWE-bench's harness does) in a scratch copy, never in the task's
own tree; paths leaving the tree are refused by both tools, and symlinks a patch
creates are refused here afterwards (the grader reads the tree back).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from m1env.errors import PatchError

__all__ = ["apply_patch", "read_tree", "touched_paths", "write_tree"]

_TOOL_TIMEOUT_S = 30.0
_PATH = "/usr/bin:/bin"


def _strip(raw: str) -> str | None:
    path = raw.split("\t", 1)[0].strip()
    if path.startswith('"') and path.endswith('"'):
        path = path[1:-1]
    if path == "/dev/null" or not path:
        return None
    if path.startswith(("a/", "b/")):
        path = path[2:]
    return path


def touched_paths(patch: str) -> list[str]:
    """Every path a unified/git diff names (old and new sides, renames and copies)."""
    out: dict[str, None] = {}
    for line in patch.splitlines():
        path: str | None = None
        if line.startswith(("--- ", "+++ ")):
            path = _strip(line[4:])
        elif line.startswith("diff --git "):
            parts = line[len("diff --git ") :].split(" b/", 1)
            for part in parts:
                if (p := _strip(part if part.startswith("a/") else "b/" + part)) is not None:
                    out.setdefault(p)
        elif line.startswith(("rename from ", "rename to ", "copy from ", "copy to ")):
            path = line.split(" ", 2)[2].strip()
        if path is not None:
            out.setdefault(path)
    return list(out)


def write_tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        target = root / rel
        if not target.resolve().is_relative_to(root.resolve()):
            raise PatchError(f"task file {rel!r} leaves the tree")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def read_tree(root: Path) -> dict[str, bytes]:
    """Every regular file under ``root``; a symlink anywhere is a PatchError."""
    out: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = Path(dirpath, name)
            if full.is_symlink():
                raise PatchError(f"the patch creates a symlink: {full.relative_to(root)}")
        for name in filenames:
            full = Path(dirpath, name)
            out[full.relative_to(root).as_posix()] = full.read_bytes()
    return out


def _run(argv: list[str], cwd: Path, patch: str) -> subprocess.CompletedProcess[str]:
    # The ceiling stops git from adopting an enclosing repository (a TMPDIR inside one).
    env = {"PATH": _PATH, "HOME": str(cwd), "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C",
           "GIT_CEILING_DIRECTORIES": str(cwd.resolve().parent)}  # fmt: skip
    return subprocess.run(
        argv, cwd=cwd, input=patch, capture_output=True, text=True, env=env,
        timeout=_TOOL_TIMEOUT_S, check=False,
    )  # fmt: skip


def apply_patch(root: Path, patch: str) -> str:
    """Apply ``patch`` in ``root``; return the tool that did it or raise PatchError."""
    if not patch.strip():
        return "empty"
    if "\0" in patch:
        raise PatchError("the patch contains NUL bytes")
    if not patch.endswith("\n"):
        patch += "\n"
    if shutil.which("git", path=_PATH) is None:
        raise RuntimeError("git is not installed: the swe verifier applies patches with it")
    try:
        first = _run(["git", "apply", "--whitespace=nowarn", "-"], root, patch)
        if first.returncode == 0:
            return "git apply"
        if shutil.which("patch", path=_PATH) is None:
            check = first  # no fallback tool: git's verdict stands
        else:
            check = _run(["patch", "--batch", "--dry-run", "-p1", "-f"], root, patch)
        if check is not first and check.returncode == 0:
            done = _run(["patch", "--batch", "-p1", "-f", "--no-backup-if-mismatch"], root, patch)
            if done.returncode == 0:
                return "patch"
    except subprocess.TimeoutExpired:
        raise PatchError("applying the patch timed out") from None
    message = (first.stderr or first.stdout).strip().splitlines()
    raise PatchError("the patch does not apply: " + " | ".join(message[:3]))
