"""Every bundled task: reproducible from its sources, well formed, gold resolves, empty does not.

The empty patch is graded with the task's test_patch applied (the grader always applies it),
so "empty scores 0 with exactly FAIL_TO_PASS failing" is "the test patch alone fails the
FAIL_TO_PASS tests and keeps PASS_TO_PASS passing on the buggy code".
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from m1env.verifiers.swe import SWEVerifier, load_instances, read_records
from m1env.verifiers.swe.grade import is_test_path, protected_reason
from m1env.verifiers.swe.patching import touched_paths

from .helpers import TASKS, edit

INSTANCES = load_instances(TASKS)
BUILD = TASKS.with_name("build.py")
SWE_BENCH_FIELDS = (
    "repo", "instance_id", "base_commit", "patch", "test_patch", "problem_statement",
    "hints_text", "FAIL_TO_PASS", "PASS_TO_PASS", "version", "environment_setup_commit",
)  # fmt: skip


def _build_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("swe_tasks_build", BUILD)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _per_file(patch: str) -> list[str]:
    """The patch split into one patch per file."""
    return ["diff --git " + p for p in patch.split("diff --git ") if p]


def test_tasks_file_is_what_the_build_script_writes():
    done = subprocess.run([sys.executable, str(BUILD), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_at_least_ten_tasks_with_distinct_ids_and_repos():
    assert len({i.instance_id for i in INSTANCES}) == len(INSTANCES) >= 10
    assert len({i.repo for i in INSTANCES}) == len(INSTANCES)
    # tests/swe's grading tests build on the first task; keep it where they expect it.
    assert INSTANCES[0].instance_id == "m1env__intervals-1"
    readme = TASKS.with_name("README.md").read_text(encoding="utf-8")
    assert all(f"`{i.instance_id}`" in readme for i in INSTANCES)


@pytest.mark.parametrize("record", read_records(TASKS), ids=lambda r: r["instance_id"])
def test_every_swe_bench_field_is_present(record):
    assert set(record) == {*SWE_BENCH_FIELDS, "files"}
    assert all(isinstance(record[k], str) for k in SWE_BENCH_FIELDS)
    for key in ("repo", "instance_id", "base_commit", "patch", "test_patch", "version"):
        assert record[key], key
    assert re.fullmatch(r"[0-9a-f]{40}", record["base_commit"])
    assert record["environment_setup_commit"] == record["base_commit"]
    # SWE-bench stores the test lists as JSON strings.
    fail, passing = json.loads(record["FAIL_TO_PASS"]), json.loads(record["PASS_TO_PASS"])
    assert fail and passing and not set(fail) & set(passing)
    assert len(record["problem_statement"]) > 200


@pytest.mark.parametrize("inst", INSTANCES, ids=lambda i: i.instance_id)
def test_task_shape(inst):
    """A small real package: several modules, a test suite, a fix in library code only."""
    modules = [p for p in inst.files if p.endswith(".py") and not is_test_path(p)]
    tests = [p for p in inst.files if is_test_path(p)]
    assert len(modules) >= 2 and tests
    gold, added = touched_paths(inst.patch), touched_paths(inst.test_patch)
    assert gold and not any(is_test_path(p) for p in gold)
    assert added and all(is_test_path(p) for p in added)
    assert all(t.split("::")[0] in inst.files for t in inst.tests)
    # The gold patch itself must not trip the grader's reward-hacking scan.
    assert protected_reason(inst.patch, inst.files) is None
    # The issue text describes the bug; it does not hand out the patch.
    assert "diff --git" not in inst.problem_statement
    assert not any(line[1:].strip() in inst.problem_statement for line in _added(inst.patch))


def _added(patch: str) -> list[str]:
    return [
        line
        for line in patch.splitlines()
        if line.startswith("+") and not line.startswith("+++") and len(line[1:].strip()) > 12
    ]


def test_the_bundle_is_big_enough():
    sizes = [
        len([p for p in i.files if p.endswith(".py") and not is_test_path(p)]) for i in INSTANCES
    ]
    assert sum(n >= 4 for n in sizes) >= 8
    assert sum(len(i.tests) >= 6 for i in INSTANCES) >= 10
    assert sum(len(touched_paths(i.patch)) >= 2 for i in INSTANCES) >= 3


@pytest.mark.parametrize("inst", INSTANCES, ids=lambda i: i.instance_id)
def test_gold_resolves_and_empty_does_not(inst):
    assert not set(touched_paths(inst.patch)) & set(touched_paths(inst.test_patch))
    gold = SWEVerifier().verify(inst.patch, inst.to_dict())
    assert gold.score == 1.0, gold
    assert set(gold.details["tests"]) == set(inst.tests)
    empty = SWEVerifier().verify("", inst.to_dict())
    assert empty.score == 0.0 and empty.status == "incorrect"
    failed = {t for t, o in empty.details["tests"].items() if o != "passed"}
    assert failed == set(inst.FAIL_TO_PASS)


MULTI_FILE = [i for i in INSTANCES if len(touched_paths(i.patch)) >= 2]


@pytest.mark.parametrize("inst", MULTI_FILE, ids=lambda i: i.instance_id)
def test_two_file_fixes_need_both_files(inst):
    for part in _per_file(inst.patch):
        assert part.endswith("\n") and len(touched_paths(part)) == 1
        score = SWEVerifier().verify(part, inst.to_dict())
        assert score.score == 0.0, (touched_paths(part), score.reason)


def test_sources_are_not_collected_by_this_project(tmp_path):
    sources = BUILD.with_name("sources")
    assert list(sources.rglob("test_*.py"))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         str(sources.parent)],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert done.returncode == 5, done.stdout[-2000:]  # 5: no tests collected


def _write_task(root: Path, name: str, toml: str, trees: dict[str, dict[str, str]]) -> None:
    (root / name).mkdir(parents=True)
    (root / name / "task.toml").write_text(toml)
    for tree, files in trees.items():
        for rel, text in files.items():
            path = root / name / tree / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)


TOML = """number = 1
version = "1.0"
hints_text = ""
problem_statement = "broken"
FAIL_TO_PASS = ["tests/test_a.py::test_new"]
PASS_TO_PASS = ["tests/test_a.py::test_old"]
"""
GOOD = {
    "repo": {"pkg/a.py": "X = 1\n", "tests/test_a.py": "def test_old():\n    pass\n"},
    "gold": {"pkg/a.py": "X = 2\n"},
    "test_patch": {"tests/test_a.py": "def test_old():\n    pass\n\n\ndef test_new():\n    pass\n"},
}


def test_build_turns_sources_into_an_instance(tmp_path):
    build = _build_module()
    _write_task(tmp_path, "demo", TOML, GOOD)
    record = build.load_task("demo", tmp_path)
    assert record["instance_id"] == "m1env__demo-1" and record["repo"] == "m1env/demo"
    assert record["files"] == GOOD["repo"]
    assert touched_paths(record["patch"]) == ["pkg/a.py"]
    assert "+def test_new():" in record["test_patch"]
    assert record == build.load_task("demo", tmp_path)  # deterministic


@pytest.mark.parametrize(
    ("toml", "trees", "message"),
    [
        (TOML + "extra = 1\n", GOOD, "keys must be"),
        (TOML, {**GOOD, "gold": {"pkg/a.py": "X = 1\n"}}, "does not change"),
        (TOML, {**GOOD, "gold": {"tests/test_a.py": "def test_old():\n    assert 1\n"}}, "gold/"),
        (TOML, {**GOOD, "test_patch": {"pkg/b.py": "Y = 1\n"}}, "test_patch/"),
        (TOML, {**GOOD, "gold": {"pkg/a.py": "X = 2"}}, "end with a newline"),
        (TOML.replace("test_a.py::test_old", "test_b.py::test_old"), GOOD, "names no file"),
        (TOML.replace("test_old", "test_x[a b]"), GOOD, "without spaces"),
        (TOML.replace('["tests/test_a.py::test_new"]', "[]"), GOOD, "FAIL_TO_PASS is empty"),
        (TOML, {**GOOD, "gold": {}}, "must all hold files"),
    ],
    ids=["unknown-key", "no-op-gold", "gold-edits-tests", "test-patch-edits-library",
         "no-final-newline", "unknown-test-file", "space-in-id", "no-fail-to-pass",
         "empty-gold"],
)  # fmt: skip
def test_build_rejects_inconsistent_sources(tmp_path, toml, trees, message):
    build = _build_module()
    _write_task(tmp_path, "demo", toml, trees)
    with pytest.raises(build.TaskSourceError, match=message):
        build.load_task("demo", tmp_path)


def test_evaluate_summarises_like_the_swe_bench_harness():
    from m1env.verifiers.swe import Prediction, evaluate

    a, b = INSTANCES[0], INSTANCES[1]
    preds = {
        a.instance_id: Prediction(a.instance_id, a.patch, "gold"),
        b.instance_id: Prediction(b.instance_id, "", "gold"),
        "nope": Prediction("nope", a.patch, "gold"),
    }
    out = evaluate(INSTANCES, preds)
    assert out["total_instances"] == len(INSTANCES)
    assert out["resolved_ids"] == [a.instance_id] and out["resolved_instances"] == 1
    assert out["empty_patch_ids"] == [b.instance_id]
    assert out["submitted_instances"] == 2 and out["unknown_ids"] == ["nope"]
    assert out["scores"][a.instance_id]["score"] == 1.0
    # a's patch does not apply to b's tree: an error instance, as SWE-bench counts it.
    out = evaluate(INSTANCES, {b.instance_id: Prediction(b.instance_id, a.patch)})
    assert out["error_ids"] == [b.instance_id] and out["completed_instances"] == 0
    assert out["scores"][b.instance_id]["score"] == 0.0
    noop = edit(a, "intervals/core.py", '"""Operations', '"""Some operations')
    out = evaluate(INSTANCES, {a.instance_id: Prediction(a.instance_id, noop)})
    assert out["unresolved_ids"] == [a.instance_id] and out["completed_instances"] == 1
