"""The bundled task and patch builders shared by the swe tests."""

from __future__ import annotations

import difflib
from pathlib import Path

from m1env.verifiers.swe import SWEInstance, load_instances

TASKS = Path(__file__).resolve().parents[2] / "m1env" / "data" / "swe" / "tasks.jsonl"


def task() -> SWEInstance:
    return load_instances(TASKS)[0]


def diff(path: str, old: str | None, new: str | None) -> str:
    """A git-style diff creating, editing or deleting one file."""
    a = f"a/{path}" if old is not None else "/dev/null"
    b = f"b/{path}" if new is not None else "/dev/null"
    lines = difflib.unified_diff(
        (old or "").splitlines(keepends=True), (new or "").splitlines(keepends=True), a, b
    )
    head = f"diff --git a/{path} b/{path}\n"
    if old is None:
        head += "new file mode 100644\n"
    if new is None:
        head += "deleted file mode 100644\n"
    return head + "".join(lines)


def edit(inst: SWEInstance, path: str, old: str, new: str) -> str:
    """A diff replacing ``old`` by ``new`` in the task's file ``path``."""
    before = inst.files[path]
    assert old in before, (path, old)
    return diff(path, before, before.replace(old, new))
