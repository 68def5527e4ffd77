"""``swe``: grade a unified-diff response on a SWE-bench-style instance.

``verify(response, reference)``: the response is the model patch (SWE-bench's
``model_patch``); the reference is an instance record (:class:`SWEInstance` fields as
SWE-bench stores them, plus ``files``, the repository tree). Options: ``wall_s``,
``cpu_s``, ``memory_mb`` for the sandboxed test run. The tests run in the task's
environment on the chosen sandbox backend
(:func:`m1env.verifiers.swe.environment.task_environment`, built by the sandbox). See
:mod:`m1env.verifiers.swe.grade`.

Statuses: ``correct`` when every FAIL_TO_PASS and PASS_TO_PASS test passed;
``incorrect`` for a patch that does not apply, is rejected as a reward hack or leaves a
test failing; ``error`` for a malformed reference, an environment that cannot be built
or a sandbox failure.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any, ClassVar

from m1env.errors import InstanceFormatError, SandboxError, VerifierConfigError
from m1env.verifiers.base import Verifier
from m1env.verifiers.score import Score
from m1env.verifiers.swe.environment import task_environment
from m1env.verifiers.swe.grade import GradeLimits, grade
from m1env.verifiers.swe.instance import SWEInstance

__all__ = ["SWEVerifier"]


def _limits(options: dict[str, Any]) -> GradeLimits:
    known = {f.name for f in fields(GradeLimits)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise VerifierConfigError(
            f"swe verifier: unknown options {unknown}; known: {sorted(known)}"
        )
    try:
        return GradeLimits(**options)
    except ValueError as exc:
        raise VerifierConfigError(f"swe verifier: {exc}") from None


class SWEVerifier(Verifier):
    name: ClassVar[str] = "swe"
    description: ClassVar[str] = "applies a patch to a repository and runs its tests (SWE-bench)"
    # The tests run in the sandbox; patching happens in a scratch directory.
    isolate: ClassVar[bool] = False
    timeout: float = 600.0

    def __init__(self, **defaults: Any) -> None:
        self.defaults = asdict(_limits(defaults))

    def validate_options(self, options: dict[str, Any]) -> dict[str, Any]:
        options.pop("timeout", None)
        return asdict(_limits({**self.defaults, **options}))

    def check(self, response: str, reference: Any, *args: Any, **options: Any) -> Score:
        limits = _limits(options)
        try:
            instance = (
                reference
                if isinstance(reference, SWEInstance)
                else SWEInstance.from_dict(reference)
            )
        except InstanceFormatError as exc:
            return Score.error(f"bad reference: {exc}", verdict="bad_reference")
        if not instance.files:
            return Score.error("the reference has no repository files", verdict="bad_reference")
        try:
            environment = task_environment(instance)
        except SandboxError as exc:  # EnvironmentBuildError, or no backend can run
            return Score.error(
                f"the task's environment: {exc}", verdict="environment", backend=None
            )
        return grade(instance, response, limits, environment)
