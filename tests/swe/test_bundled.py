"""Every bundled task: reproducible from its build script, gold resolves, empty does not."""

from __future__ import annotations

import subprocess
import sys

import pytest

from verifiers.swe import SWEVerifier, load_instances
from verifiers.swe.patching import touched_paths

from .helpers import TASKS, edit

INSTANCES = load_instances(TASKS)


def test_tasks_file_is_what_the_build_script_writes():
    build = TASKS.with_name("build.py")
    done = subprocess.run([sys.executable, str(build), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_at_least_two_tasks_with_distinct_ids():
    assert len({i.instance_id for i in INSTANCES}) == len(INSTANCES) >= 2


@pytest.mark.parametrize("inst", INSTANCES, ids=lambda i: i.instance_id)
def test_gold_resolves_and_empty_does_not(inst):
    assert all(t.split("::")[0] in inst.files for t in inst.tests)
    assert not set(touched_paths(inst.patch)) & set(touched_paths(inst.test_patch))
    gold = SWEVerifier().verify(inst.patch, inst.to_dict())
    assert gold.score == 1.0, gold
    empty = SWEVerifier().verify("", inst.to_dict())
    assert empty.score == 0.0 and empty.status == "incorrect"
    failed = {t for t, o in empty.details["tests"].items() if o != "passed"}
    assert failed == set(inst.FAIL_TO_PASS)


def test_evaluate_summarises_like_the_swe_bench_harness():
    from verifiers.swe import Prediction, evaluate

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
