"""Every bundled task: reproducible from its build script, gold resolves, empty does not."""

from __future__ import annotations

import subprocess
import sys

import pytest

from verifiers.swe import SWEVerifier, load_instances
from verifiers.swe.patching import touched_paths

from .helpers import TASKS

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
