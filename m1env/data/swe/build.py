"""Author-time script that (re)writes ``tasks.jsonl``: the bundled SWE-style tasks.

``python m1env/data/swe/build.py`` turns each task below -- a small Python package at
its buggy state, the edits that fix it (the gold patch) and the edits that add the
tests proving the fix (the test patch) -- into one SWE-bench instance line with the
repository tree in ``files``. Diffs are computed here with :mod:`difflib`; the
``base_commit`` is a content hash of the tree, so the output is reproducible byte for
byte (``--check`` verifies the committed file). Nothing imports this at run time;
``tests/swe`` checks that every gold patch scores 1 and the empty patch 0.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("tasks.jsonl")
TASKS: list[dict[str, Any]] = []


def diff(files: dict[str, str], edits: dict[str, tuple[str, str]]) -> str:
    """A git-style patch replacing ``old`` by ``new`` (once) in each edited file."""
    out = []
    for path, (old, new) in sorted(edits.items()):
        before = files[path]
        if before.count(old) != 1:
            raise SystemExit(f"{path}: the edit's old text must occur exactly once")
        after = before.replace(old, new)
        lines = difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True),
            f"a/{path}", f"b/{path}",
        )  # fmt: skip
        out.append(f"diff --git a/{path} b/{path}\n" + "".join(lines))
    return "".join(out)


def task(name: str, statement: str, files: dict[str, str], gold: dict[str, tuple[str, str]],
         tests: dict[str, tuple[str, str]], fail: list[str], passing: list[str]) -> None:  # fmt: skip
    digest = hashlib.sha1(json.dumps(files, sort_keys=True).encode()).hexdigest()
    TASKS.append({
        "repo": f"m1env/{name}", "instance_id": f"m1env__{name}-1", "base_commit": digest,
        "patch": diff(files, gold), "test_patch": diff(files, tests),
        "problem_statement": statement, "hints_text": "", "version": "0.1",
        "environment_setup_commit": digest,
        "FAIL_TO_PASS": json.dumps(fail), "PASS_TO_PASS": json.dumps(passing),
        "files": files,
    })  # fmt: skip


INTERVALS_CORE = '''"""Operations on lists of closed intervals ``(start, end)`` with ``start <= end``."""


def _check(intervals):
    for start, end in intervals:
        if start > end:
            raise ValueError(f"bad interval ({start}, {end})")


def merge(intervals):
    """Merge overlapping or touching intervals; the result is sorted."""
    _check(intervals)
    out = []
    for start, end in sorted(intervals):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def total_length(intervals):
    """The length covered by the union of the intervals."""
    return sum(end - start for start, end in merge(intervals))
'''

INTERVALS_TESTS = """import pytest

from intervals import merge, total_length


def test_merge_overlapping():
    assert merge([(5, 8), (1, 3), (2, 4)]) == [(1, 4), (5, 8)]


def test_merge_empty():
    assert merge([]) == []


def test_bad_interval():
    with pytest.raises(ValueError):
        merge([(3, 1)])


class TestLength:
    def test_disjoint(self):
        assert total_length([(0, 1), (5, 7)]) == 3
"""

T = "tests/test_core.py::"
task(
    "intervals",
    "merge() does not merge touching intervals\n\n`merge([(1, 2), (2, 3)])` returns "
    "`[(1, 2), (2, 3)]`, but the docstring says overlapping *or touching* intervals are "
    "merged, so it should return `[(1, 3)]`.\n",
    {
        "intervals/__init__.py": '"""Closed integer intervals: merging and measuring."""\n\n'
        "from intervals.core import merge, total_length\n\n"
        '__all__ = ["merge", "total_length"]\n',
        "intervals/core.py": INTERVALS_CORE,
        "tests/test_core.py": INTERVALS_TESTS,
    },
    gold={"intervals/core.py": ("start < out[-1][1]", "start <= out[-1][1]")},
    tests={
        "tests/test_core.py": (
            "        assert total_length([(0, 1), (5, 7)]) == 3\n",
            "        assert total_length([(0, 1), (5, 7)]) == 3\n\n\n"
            "def test_merge_touching():\n    result = merge([(1, 2), (2, 3)])\n"
            "    assert type(result) is list and result == [(1, 3)]\n\n\n"
            '@pytest.mark.parametrize("pieces", [[(0, 2), (2, 5)], [(2, 5), (0, 2)]])\n'
            "def test_length_touching(pieces):\n    assert total_length(pieces) == 5\n",
        )
    },
    fail=[T + "test_merge_touching"],
    passing=[
        T + n
        for n in (
            "test_merge_overlapping",
            "test_merge_empty",
            "test_bad_interval",
            "TestLength::test_disjoint",
            "test_length_touching[pieces0]",
            "test_length_touching[pieces1]",
        )
    ],
)

SLUG = '''"""URL slugs: lower-case words joined by a separator."""

import re

from textkit.normalize import strip_accents


def slugify(text, sep="-"):
    """``"Hello, World!"`` -> ``"hello-world"``; runs of other characters become one sep."""
    text = strip_accents(text).lower()
    text = re.sub(r"[^a-z0-9]", sep, text)
    return text.strip(sep)
'''

NORMALIZE = '''"""Unicode helpers."""

import unicodedata


def strip_accents(text):
    """``"café"`` -> ``"cafe"``: drop combining marks after NFKD decomposition."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))
'''

S = "tests/test_slug.py::"
task(
    "textkit",
    'slugify leaves repeated separators\n\n`slugify("Hello, World!")` gives '
    "`hello--world` instead of `hello-world`: each punctuation character becomes its own "
    "separator. The docstring promises that a run of other characters becomes one.\n",
    {
        "textkit/__init__.py": '"""Small text utilities."""\n\n'
        "from textkit.normalize import strip_accents\nfrom textkit.slug import slugify\n\n"
        '__all__ = ["slugify", "strip_accents"]\n',
        "textkit/slug.py": SLUG,
        "textkit/normalize.py": NORMALIZE,
        "tests/test_normalize.py": "from textkit import strip_accents\n\n\n"
        'def test_accents():\n    assert strip_accents("café crème") == "cafe creme"\n',
        "tests/test_slug.py": "from textkit import slugify\n\n\n"
        'def test_single_word():\n    assert slugify("Python") == "python"\n\n\n'
        'def test_accented():\n    assert slugify("Crème") == "creme"\n',
    },
    gold={"textkit/slug.py": ('r"[^a-z0-9]"', 'r"[^a-z0-9]+"')},
    tests={
        "tests/test_slug.py": (
            "def test_accented():\n",
            'def test_punctuation_runs():\n    result = slugify("Hello, World!")\n'
            '    assert type(result) is str and result == "hello-world"\n\n\n'
            'def test_custom_separator():\n    assert slugify("a -- b", sep="_") == "a_b"\n\n\n'
            "def test_accented():\n",
        )
    },
    fail=[S + "test_punctuation_runs", S + "test_custom_separator"],
    passing=[S + "test_single_word", S + "test_accented", "tests/test_normalize.py::test_accents"],
)


def main() -> None:
    text = "".join(json.dumps(t, sort_keys=True) + "\n" for t in TASKS)
    if "--check" in sys.argv[1:]:
        if OUT.read_text(encoding="utf-8") != text:
            raise SystemExit(f"{OUT} is stale: run python {__file__}")
        return
    OUT.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
