"""SWE-bench-compatible grading: instances, predictions, patches, and the ``swe`` verifier.

:mod:`~m1env.verifiers.swe.instance` (task and prediction formats, loaders),
:mod:`~m1env.verifiers.swe.patching` (applying untrusted diffs),
:mod:`~m1env.verifiers.swe.grade` (the test run in the sandbox and its judging),
:mod:`~m1env.verifiers.swe.environment` (what a task's tests need installed, as a sandbox
environment spec: the sandbox builds it),
:mod:`~m1env.verifiers.swe.report` (a predictions file graded into SWE-bench's summary) and
:mod:`~m1env.verifiers.swe.verifier` (the :class:`SWEVerifier`).
"""

from __future__ import annotations

from m1env.errors import InstanceFormatError, PatchError, SWEError
from m1env.verifiers.swe.grade import GradeLimits, grade, parse_junit
from m1env.verifiers.swe.instance import (
    Prediction,
    SWEInstance,
    load_instances,
    load_predictions,
    read_records,
)
from m1env.verifiers.swe.report import evaluate
from m1env.verifiers.swe.verifier import SWEVerifier

__all__ = [
    "GradeLimits",
    "InstanceFormatError",
    "PatchError",
    "Prediction",
    "SWEError",
    "SWEInstance",
    "SWEVerifier",
    "evaluate",
    "grade",
    "load_instances",
    "load_predictions",
    "parse_junit",
    "read_records",
]
