"""SWE-bench instance and prediction formats, loaders, diff paths and JUnit parsing."""

from __future__ import annotations

import json

import pytest

from m1env.verifiers.swe import (
    InstanceFormatError,
    Prediction,
    SWEInstance,
    load_instances,
    load_predictions,
    parse_junit,
)
from m1env.verifiers.swe.grade import is_test_path
from m1env.verifiers.swe.patching import touched_paths

from .helpers import TASKS, task

# A record as SWE-bench publishes it: test lists are JSON strings, extra keys exist.
RECORD = {
    "repo": "astropy/astropy",
    "instance_id": "astropy__astropy-12907",
    "base_commit": "d16bfe05a744909de4b27f5875fe0d4ed41ce607",
    "patch": "diff --git a/x.py b/x.py\n",
    "test_patch": "",
    "problem_statement": "Modeling's separability_matrix ...",
    "hints_text": "",
    "created_at": "2022-03-03T15:14:54Z",
    "version": "4.3",
    "FAIL_TO_PASS": '["astropy/modeling/tests/test_separable.py::test_separable[compound_model6-result6]"]',
    "PASS_TO_PASS": "[]",
    "environment_setup_commit": "298ccb478e6bf092953bca67a3d29dc6c35f6752",
}


def test_swe_bench_record_round_trips():
    inst = SWEInstance.from_dict(RECORD)
    assert inst.FAIL_TO_PASS == (
        "astropy/modeling/tests/test_separable.py::test_separable[compound_model6-result6]",
    )
    assert inst.PASS_TO_PASS == ()
    out = inst.to_dict()
    assert out["FAIL_TO_PASS"] == RECORD["FAIL_TO_PASS"]
    assert SWEInstance.from_dict(out) == inst


def test_lists_are_accepted_and_tests_deduplicated():
    inst = SWEInstance.from_dict(
        {**RECORD, "FAIL_TO_PASS": ["a.py::x"], "PASS_TO_PASS": ["a.py::x", "a.py::y"]}
    )
    assert inst.tests == ("a.py::x", "a.py::y")


@pytest.mark.parametrize(
    "change",
    [
        {"FAIL_TO_PASS": "[not json"},
        {"FAIL_TO_PASS": '{"a": 1}'},
        {"PASS_TO_PASS": [1, 2]},
        {"instance_id": ""},
        {"repo": 3},
        {"files": {"a.py": 1}},
    ],
)
def test_bad_instances_raise_clear_errors(change):
    with pytest.raises(InstanceFormatError):
        SWEInstance.from_dict({**RECORD, **change})


def test_missing_keys():
    with pytest.raises(InstanceFormatError, match="instance_id"):
        SWEInstance.from_dict({"repo": "r"})


def test_load_json_array_and_jsonl(tmp_path):
    array = tmp_path / "a.json"
    array.write_text(json.dumps([RECORD]))
    lines = tmp_path / "a.jsonl"
    lines.write_text(json.dumps(RECORD) + "\n\n")
    assert load_instances(array) == load_instances(lines)
    lines.write_text(json.dumps(RECORD) + "\n" + json.dumps(RECORD) + "\n")
    with pytest.raises(InstanceFormatError, match="duplicate"):
        load_instances(lines)
    lines.write_text(json.dumps(RECORD) + "\n{oops\n")
    with pytest.raises(InstanceFormatError, match=":2:"):
        load_instances(lines)
    with pytest.raises(InstanceFormatError, match="cannot read"):
        load_instances(tmp_path / "missing.jsonl")


def test_predictions_in_every_swe_bench_layout(tmp_path):
    pred = {"instance_id": "i-1", "model_name_or_path": "m", "model_patch": "diff"}
    for name, text in [
        ("p.jsonl", json.dumps(pred) + "\n"),
        ("p.json", json.dumps([pred])),
        ("q.json", json.dumps({"i-1": pred})),
    ]:
        path = tmp_path / name
        path.write_text(text)
        assert load_predictions(path) == {"i-1": Prediction("i-1", "diff", "m")}
    assert Prediction.from_dict({"instance_id": "x", "model_patch": None}).model_patch == ""
    assert Prediction("i", "p", "m").to_dict() == {
        "instance_id": "i",
        "model_name_or_path": "m",
        "model_patch": "p",
    }
    with pytest.raises(InstanceFormatError):
        Prediction.from_dict({"model_patch": "x"})


def test_bundled_task_is_consistent():
    inst = task()
    assert load_instances(TASKS)[0] is not inst  # loads fresh each time
    assert inst.FAIL_TO_PASS and inst.PASS_TO_PASS and inst.problem_statement
    assert all(t.split("::")[0] in inst.files for t in inst.tests)
    assert touched_paths(inst.patch) == ["intervals/core.py"]
    assert touched_paths(inst.test_patch) == ["tests/test_core.py"]


def test_touched_paths_covers_renames_and_deletions():
    patch = (
        "diff --git a/old.py b/new.py\nsimilarity index 90%\nrename from old.py\nrename to new.py\n"
        "diff --git a/gone.py b/gone.py\ndeleted file mode 100644\n--- a/gone.py\n+++ /dev/null\n"
    )
    assert touched_paths(patch) == ["old.py", "new.py", "gone.py"]


def test_is_test_path():
    assert is_test_path("tests/helpers.py") and is_test_path("pkg/test_x.py")
    assert is_test_path("pkg/x_test.py") and not is_test_path("pkg/core.py")


JUNIT = b"""<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">
<testcase classname="tests.test_a" name="test_ok" file="tests/test_a.py" line="1" time="0"/>
<testcase classname="tests.test_a.TestK" name="test_p[1-2]" file="tests/test_a.py" line="3" time="0">
<failure message="x">boom</failure></testcase>
<testcase classname="tests.test_a" name="test_s" file="tests/test_a.py" line="5" time="0">
<skipped message="s"/></testcase>
<testcase classname="tests.test_a" name="test_e" file="tests/test_a.py" line="7" time="0"/>
<testcase classname="tests.test_a" name="test_e" file="tests/test_a.py" line="7" time="0">
<error message="teardown">e</error></testcase>
</testsuite></testsuites>"""


def test_parse_junit_maps_node_ids_and_keeps_the_worse_outcome():
    assert parse_junit(JUNIT) == {
        "tests/test_a.py::test_ok": "passed",
        "tests/test_a.py::TestK::test_p[1-2]": "failed",
        "tests/test_a.py::test_s": "skipped",
        "tests/test_a.py::test_e": "error",
    }


def test_apply_patch_inside_an_enclosing_git_repository(tmp_path):
    # git must patch the scratch tree, not adopt a repository around it.
    import subprocess

    from m1env.verifiers.swe.patching import apply_patch, read_tree, write_tree

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    root = tmp_path / "deep" / "tree"
    root.mkdir(parents=True)
    inst = task()
    write_tree(root, dict(inst.files))
    assert apply_patch(root, inst.patch) in ("git apply", "patch")
    assert b"start <= out" in read_tree(root)["intervals/core.py"]
