"""Author-time script that (re)writes ``tasks.jsonl``: the bundled SWE-style tasks.

Each task lives in ``sources/<name>/`` as real files:

- ``task.toml``: the SWE-bench fields written by hand (``problem_statement``,
  ``hints_text``, ``version``, ``FAIL_TO_PASS``, ``PASS_TO_PASS``); ``repo`` is
  ``m1env/<name>`` and ``instance_id`` is ``m1env__<name>-<number>``;
- ``repo/``: the repository at its buggy state (``base_commit``);
- ``gold/``: the library files as the fix leaves them (the gold ``patch``);
- ``test_patch/``: the test files as the test patch leaves them (new or edited).

``python m1env/data/swe/build.py`` diffs each overlay against ``repo/`` with
:mod:`difflib` into git-style patches and writes one SWE-bench instance a line, plus
``files`` (the repository tree). ``base_commit`` is a content hash of the tree, so the
output is reproducible byte for byte; ``--check`` verifies the committed file. The
order of :data:`ORDER` is the order of the lines. Nothing imports this at run time;
``tests/swe/test_bundled.py`` checks that every gold patch scores 1, the empty patch 0.
The sources are kept out of this project's pytest, ruff and mypy runs (pyproject.toml).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import sys
import tomllib
from pathlib import Path, PurePosixPath
from typing import Any

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
OUT = HERE / "tasks.jsonl"

# The order of the lines in tasks.jsonl; the first two are what tests/swe builds on.
ORDER = (
    "intervals",
    "textkit",
    "money",
    "graphkit",
    "tinytemplate",
    "lrucache",
    "daterange",
    "semverlib",
    "argkit",
    "csvtable",
    "vecmat",
    "wraptext",
    "iniconf",
)
_KEYS = {"number", "problem_statement", "hints_text", "version", "FAIL_TO_PASS", "PASS_TO_PASS"}
_JUNK = {"__pycache__", ".pytest_cache"}


class TaskSourceError(ValueError):
    """A task's sources are inconsistent; the message names the task and the file."""


def read_tree(root: Path) -> dict[str, str]:
    """``{posix path: text}`` of every file under ``root`` (caches skipped), sorted."""
    if not root.is_dir():
        return {}
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_dir() or _JUNK & set(rel.parts) or path.suffix == ".pyc":
            continue
        text = path.read_text(encoding="utf-8")
        if not text.endswith("\n"):
            # difflib writes no "\ No newline at end of file" marker: git apply would choke.
            raise TaskSourceError(f"{path}: a source file must end with a newline")
        out[rel.as_posix()] = text
    return out


def diff(files: dict[str, str], overlay: dict[str, str]) -> str:
    """A git-style patch turning ``files`` into ``files | overlay`` (new files included)."""
    out = []
    for path, after in sorted(overlay.items()):
        before = files.get(path)
        if before == after:
            raise TaskSourceError(f"{path}: the overlay copy does not change the file")
        lines = difflib.unified_diff(
            (before or "").splitlines(keepends=True), after.splitlines(keepends=True),
            f"a/{path}" if before is not None else "/dev/null", f"b/{path}",
        )  # fmt: skip
        mode = "" if before is not None else "new file mode 100644\n"
        out.append(f"diff --git a/{path} b/{path}\n{mode}" + "".join(lines))
    return "".join(out)


def _is_test(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return "tests" in parts[:-1] or parts[-1].startswith("test_")


def load_task(name: str, sources: Path = SOURCES) -> dict[str, Any]:
    """One SWE-bench instance (plus ``files``) from ``sources/<name>``."""
    src = sources / name
    try:
        meta = tomllib.loads((src / "task.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TaskSourceError(f"{name}: cannot read task.toml: {exc}") from None
    if set(meta) != _KEYS:
        raise TaskSourceError(f"{name}/task.toml: keys must be {sorted(_KEYS)}, got {sorted(meta)}")
    files, gold, tests = (read_tree(src / d) for d in ("repo", "gold", "test_patch"))
    if not files or not gold or not tests:
        raise TaskSourceError(f"{name}: repo/, gold/ and test_patch/ must all hold files")
    if bad := [p for p in gold if _is_test(p)] + [p for p in tests if not _is_test(p)]:
        raise TaskSourceError(f"{name}: gold/ holds library files, test_patch/ tests: {bad}")
    after = files | tests
    if not meta["FAIL_TO_PASS"]:
        raise TaskSourceError(f"{name}: FAIL_TO_PASS is empty")
    for node in meta["FAIL_TO_PASS"] + meta["PASS_TO_PASS"]:
        if not isinstance(node, str) or any(c.isspace() for c in node):
            # pytest escapes such parameter ids in its report: give them ids= instead.
            raise TaskSourceError(f"{name}: test id {node!r} is not a string without spaces")
        if node.split("::", 1)[0] not in after:
            raise TaskSourceError(f"{name}: test id {node!r} names no file of the tree")
    if dup := set(meta["FAIL_TO_PASS"]) & set(meta["PASS_TO_PASS"]):
        raise TaskSourceError(f"{name}: tests in both FAIL_TO_PASS and PASS_TO_PASS: {dup}")
    digest = hashlib.sha1(json.dumps(files, sort_keys=True).encode()).hexdigest()
    return {
        "repo": f"m1env/{name}", "instance_id": f"m1env__{name}-{meta['number']}",
        "base_commit": digest, "patch": diff(files, gold), "test_patch": diff(files, tests),
        "problem_statement": meta["problem_statement"], "hints_text": meta["hints_text"],
        "version": meta["version"], "environment_setup_commit": digest,
        "FAIL_TO_PASS": json.dumps(meta["FAIL_TO_PASS"]),
        "PASS_TO_PASS": json.dumps(meta["PASS_TO_PASS"]),
        "files": files,
    }  # fmt: skip


def render() -> str:
    """The whole tasks.jsonl text."""
    present = sorted(p.name for p in SOURCES.iterdir() if p.is_dir() and p.name not in _JUNK)
    if sorted(ORDER) != present:
        raise TaskSourceError(f"ORDER {sorted(ORDER)} and sources/ {present} differ")
    return "".join(json.dumps(load_task(name), sort_keys=True) + "\n" for name in ORDER)


def main(argv: list[str]) -> int:
    unknown = set(argv) - {"--check"}
    if unknown:
        print(f"usage: build.py [--check]; unknown {sorted(unknown)}", file=sys.stderr)
        return 2
    try:
        text = render()
    except TaskSourceError as exc:
        print(f"build.py: {exc}", file=sys.stderr)
        return 1
    if "--check" in argv:
        if OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is stale: run python {__file__}", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
