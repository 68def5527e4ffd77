"""A scripted SWE-v0 agent that replays a known patch through the tools.

:func:`patch_actions` turns a unified diff into the actions an agent would send:
``view_file`` on each file it changes, one ``str_replace`` per changed block (the
smallest block of whole lines, widened until it is unique in the file) or
``create_file`` for new files, ``bash rm`` for deleted ones, then ``run_tests`` and
``submit``. Used by the tests and ``bench/swe_episodes.py`` (gold patch -> reward 1).
"""

from __future__ import annotations

import difflib
import json
import tempfile
from pathlib import Path
from typing import Any

from m1env.verifiers.swe import SWEInstance
from m1env.verifiers.swe.patching import apply_patch, read_tree, touched_paths, write_tree

__all__ = ["call", "patch_actions", "run_episode"]


def call(name: str, **arguments: Any) -> dict[str, Any]:
    """An assistant message with one tool call."""
    return {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": f"call_{name}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(arguments)},
            }
        ],
    }


def _replacements(old: str, new: str) -> list[tuple[str, str]]:
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    out: list[tuple[str, str]] = []
    current = old
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        lo, hi, blo, bhi = i1, i2, j1, j2
        # Widen by shared context lines until the old block is unique in the file.
        while True:
            before = "".join(a[lo:hi])
            if before and current.count(before) == 1:
                break
            if lo == 0 and hi == len(a):
                break
            if lo > 0:
                lo, blo = lo - 1, blo - 1
            if hi < len(a):
                hi, bhi = hi + 1, bhi + 1
        out.append((before, "".join(b[blo:bhi])))
    return out


def patch_actions(instance: SWEInstance, patch: str, *, tests: bool = True) -> list[dict[str, Any]]:
    """The tool-call actions that reproduce ``patch`` on ``instance``'s repository."""
    with tempfile.TemporaryDirectory(prefix="m1env-swe-script-") as tmp:
        root = Path(tmp)
        write_tree(root, dict(instance.files))
        apply_patch(root, patch)
        after = {k: v.decode("utf-8") for k, v in read_tree(root).items()}
    actions: list[dict[str, Any]] = []
    for path in touched_paths(patch):
        before = instance.files.get(path)
        now = after.get(path)
        if before is None and now is not None:
            actions.append(call("create_file", path=path, content=now))
        elif before is not None and now is None:
            actions.append(call("bash", command=f"rm -- '{path}'"))
        elif before is not None and now is not None and before != now:
            actions.append(call("view_file", path=path))
            # Each block is replaced against the file as the previous ones left it.
            for old_block, new_block in _replacements(before, now):
                actions.append(call("str_replace", path=path, old_str=old_block, new_str=new_block))
    if tests:
        actions.append(call("run_tests"))
    actions.append(call("submit"))
    return actions


def run_episode(env: Any, actions: list[dict[str, Any]], **reset: Any) -> dict[str, Any]:
    """Reset ``env`` (``reset`` kwargs) and send ``actions`` until the episode ends."""
    env.reset(**reset)
    observations = []
    for action in actions:
        obs, reward, terminated, truncated, info = env.step(action)
        observations.append(obs)
        if terminated or truncated:
            return {
                "reward": reward, "terminated": terminated, "truncated": truncated,
                "info": info, "observations": observations,
            }  # fmt: skip
    raise RuntimeError("the actions ran out before the episode ended")
