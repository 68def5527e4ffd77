"""The swe verifier on the bundled task: the gold patch resolves it, anything else does not.

Every hack below really runs through patching and the sandboxed pytest run."""

from __future__ import annotations

import pytest

from m1env.verifiers import get_verifier
from m1env.verifiers.swe import SWEVerifier, grade
from m1env.verifiers.swe.grade import GradeLimits, protected_reason

from .helpers import diff, edit, task

CORE = "intervals/core.py"
TESTS = "tests/test_core.py"
BUG = "start < out[-1][1]"
FIX = "start <= out[-1][1]"
F2P = "tests/test_core.py::test_merge_touching"


def score(patch: str):
    inst = task()
    return SWEVerifier().verify(patch, inst.to_dict())


def test_gold_patch_resolves_and_lists_every_test():
    inst = task()
    s = score(inst.patch)
    assert s.score == 1.0 and s.status == "correct", s
    assert s.details["tests"] == {t: "passed" for t in inst.tests}
    assert len(s.details["tests"]) == 7


def test_empty_patch_fails_only_the_fail_to_pass_test():
    s = score("")
    assert s.score == 0.0 and s.status == "incorrect"
    assert s.details["tests"][F2P] == "failed"
    assert [t for t, o in s.details["tests"].items() if o != "passed"] == [F2P]


def test_fix_that_breaks_a_pass_to_pass_test_scores_zero():
    # Merges (1, 4) with (5, 8): the failing test passes, a passing one regresses.
    s = score(edit(task(), CORE, BUG, "start <= out[-1][1] + 1"))
    assert s.score == 0.0
    assert s.details["tests"][F2P] == "passed"
    assert s.details["tests"]["tests/test_core.py::test_merge_overlapping"] == "failed"


def test_patch_that_does_not_apply_scores_zero_with_reason():
    bad = diff(CORE, "no such content\n", "x\n")
    s = score(bad)
    assert s.score == 0.0 and s.status == "incorrect"
    assert s.details["verdict"] == "patch_failed" and "does not apply" in s.reason


def test_garbage_patch_scores_zero():
    s = score("this is not a diff at all")
    assert s.score == 0.0 and s.status == "incorrect"


def test_editing_the_tests_is_thrown_away():
    inst = task()
    hack = edit(
        inst,
        TESTS,
        "def test_merge_empty",
        "def test_merge_touching():\n    pass\n\n\ndef test_merge_empty",
    )
    s = score(hack)
    assert s.score == 0.0 and s.details["tests"][F2P] == "failed"


def test_deleting_the_test_file_is_thrown_away():
    inst = task()
    s = score(diff(TESTS, inst.files[TESTS], None))
    assert s.score == 0.0 and s.details["tests"][F2P] == "failed"


@pytest.mark.parametrize(
    "path", ["conftest.py", "tests/conftest.py", "sitecustomize.py", "intervals/x.pth"]
)
def test_test_machinery_files_are_rejected(path):
    # This conftest would turn every failure into a pass if it ever ran.
    body = (
        "import pytest\n\n@pytest.hookimpl(hookwrapper=True)\n"
        "def pytest_runtest_makereport(item, call):\n"
        "    out = yield\n    out.get_result().outcome = 'passed'\n"
    )
    s = score(diff(path, None, body))
    assert s.score == 0.0 and s.details["verdict"] == "rejected", s
    assert path in s.reason


def test_plugin_through_pyproject_is_rejected():
    plugin = "def pytest_collection_modifyitems(items):\n    items.clear()\n"
    patch = diff("intervals/plug.py", None, plugin) + diff(
        "pyproject.toml", None, '[tool.pytest.ini_options]\naddopts = "-p intervals.plug"\n'
    )
    s = score(patch)
    assert s.score == 0.0 and "test runner" in s.reason


def test_monkeypatching_pytest_reporting_is_rejected():
    inst = task()
    hack = edit(inst, CORE, '"""Operations', 'import _pytest.reports  # noqa\n"""Operations')
    assert protected_reason(hack) is not None
    assert score(hack).score == 0.0


def test_os_exit_is_rejected_by_the_scan():
    hack = edit(task(), CORE, "    _check(intervals)\n", "    import os; os._exit(0)\n")
    s = score(hack)
    assert s.score == 0.0 and "os._exit" in s.reason


def test_hidden_exit_zero_still_scores_zero():
    # Gets past the text scan: the run dies with status 0 and no report, so nothing passed.
    inst = task()
    hack = edit(
        inst,
        CORE,
        "    _check(intervals)\n",
        "    getattr(__import__('o' + 's'), '_ex' + 'it')(0)\n",
    )
    assert protected_reason(hack) is None
    s = score(hack)
    assert s.score == 0.0 and "no test report" in s.reason
    assert set(s.details["tests"].values()) == {"missing"}


def test_config_file_edits_are_discarded():
    # An ini file that would deselect the failing test: restored to base (absent) before the run.
    ini = "[pytest]\naddopts = --deselect tests/test_core.py::test_merge_touching\n"
    s = score(diff("pytest.ini", None, ini))
    assert s.score == 0.0 and s.details["tests"][F2P] == "failed"
    assert s.details["tests"]["tests/test_core.py::test_merge_empty"] == "passed"


def test_skipping_counts_as_failure():
    inst = task()
    # A source-side skip: raising SkipTest from the code under test makes the test skipped.
    hack = edit(
        inst, CORE, "    _check(intervals)\n", "    raise __import__('unittest').SkipTest('no')\n"
    )
    s = score(hack)
    assert s.score == 0.0
    assert s.details["tests"][F2P] == "skipped"


def test_registered_and_bad_reference():
    assert isinstance(get_verifier("swe"), SWEVerifier)
    s = SWEVerifier().verify("", {"repo": "x"})
    assert s.status == "error" and "bad reference" in s.reason
    s = SWEVerifier().verify("", {"repo": "x", "instance_id": "y", "FAIL_TO_PASS": '["t.py::a"]'})
    assert s.status == "error" and "no repository files" in s.reason


def test_grade_limits_validate():
    with pytest.raises(ValueError):
        GradeLimits(wall_s=0)
    assert SWEVerifier().verify("", task().to_dict(), memory_mb=-1).status == "error"
    assert grade(task(), task().patch).score == 1.0


@pytest.mark.parametrize("path", ["json/__init__.py", "xml.py", "_pytest/junitxml.py", "pluggy.py"])
def test_shadowing_the_stdlib_or_the_runner_is_rejected(path):
    s = score(diff(path, None, "X = 1\n"))
    assert s.score == 0.0 and "shadows" in s.reason


def test_compiled_files_are_rejected():
    s = score(diff("intervals/__pycache__/core.cpython-311.pyc", None, "x\n"))
    assert s.score == 0.0 and "compiled" in s.reason


def test_fix_in_a_new_module_resolves():
    # A patch may add modules of its own: here the comparison moves into a helper.
    inst = task()
    before = inst.files[CORE]
    after = before.replace(BUG, "touches(start, out[-1][1])").replace(
        "def _check", "from intervals._cmp import touches\n\n\ndef _check"
    )
    patch = diff("intervals/_cmp.py", None, "def touches(a, b):\n    return a <= b\n")
    patch += diff(CORE, before, after)
    s = score(patch)
    assert s.score == 1.0, s


def test_endless_loop_times_out_and_scores_zero():
    hack = edit(task(), CORE, "    _check(intervals)\n", "    while True:\n        pass\n")
    s = SWEVerifier().verify(hack, task().to_dict(), wall_s=3, cpu_s=3)
    assert s.score == 0.0 and s.details["run"]["verdict"] == "timeout"


def test_oversized_patch_is_refused():
    s = SWEVerifier().verify(task().patch, task().to_dict(), max_patch_bytes=10)
    assert s.score == 0.0 and "over 10 bytes" in s.reason


ATEXIT_FORGERY = """import atexit as _a, glob as _g, re as _r, os as _o
def _forge():
    for f in _g.glob("/work/_report_*.xml"):
        t = open(f).read()
        open(f, "w").write(_r.sub(r"<failure[^>]*>.*?</failure>", "", t, flags=_r.S))
    getattr(_o, "_ex" + "it")(0)
_a.register(_forge)
"""


def test_atexit_report_forgery_never_runs():
    # Rewrites the report and exits 0 after pytest is done; the wrapper exits first.
    inst = task()
    hack = edit(inst, CORE, '"""Operations', ATEXIT_FORGERY + '"""Operations')
    assert protected_reason(hack) is None
    s = score(hack)
    assert s.score == 0.0 and s.details["tests"][F2P] == "failed"
    assert s.details["run"]["exit_code"] == 1


def test_always_equal_object_does_not_pass():
    # merge returns an object equal to anything; the task's tests check the type too.
    inst = task()
    fake = "    class _Any(list):\n        def __eq__(self, other):\n            return True\n"
    hack = edit(inst, CORE, "    _check(intervals)\n", fake + "    return _Any()\n")
    s = score(hack)
    assert s.score == 0.0 and s.details["tests"][F2P] == "failed"


def test_binary_patches_are_refused():
    patch = (
        "diff --git a/intervals/blob.bin b/intervals/blob.bin\nnew file mode 100644\n"
        "index 0000000..e69de29\nGIT binary patch\nliteral 0\nHcmV?d00001\n\n"
    )
    s = score(patch)
    assert s.score == 0.0 and "binary" in s.reason
