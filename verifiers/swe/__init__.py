"""SWE-bench-compatible grading: instances, predictions, patches, and the ``swe`` verifier.

:mod:`~verifiers.swe.instance` (task and prediction formats, loaders),
:mod:`~verifiers.swe.patching` (applying untrusted diffs),
:mod:`~verifiers.swe.grade` (the test run in the sandbox and its judging),
:mod:`~verifiers.swe.report` (a predictions file graded into SWE-bench's summary) and
:mod:`~verifiers.swe.verifier` (the :class:`SWEVerifier`).
"""

from __future__ import annotations

from verifiers.swe.errors import InstanceFormatError, PatchError, SWEError
from verifiers.swe.grade import GradeLimits, grade, parse_junit
from verifiers.swe.instance import (
    Prediction,
    SWEInstance,
    load_instances,
    load_predictions,
    read_records,
)
from verifiers.swe.report import evaluate
from verifiers.swe.verifier import SWEVerifier

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
