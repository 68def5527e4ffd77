"""A SWE task's environment, as the sandbox builds it: :func:`task_environment`.

:func:`environment_spec` describes what an instance's tests need as a sandbox
:class:`~m1env.sandbox.EnvironmentSpec`: its ``requirements``, pytest (the same files
:mod:`m1env.verifiers.swe.grade` would ship, keyed by pytest's version), the repository
at ``environment_setup_commit`` (the instance's ``files``; this project's
self-contained tasks carry the tree at ``base_commit``, which for them is the
``environment_setup_commit``) and that commit. :func:`task_environment` asks the sandbox
to prepare it on a backend (:func:`m1env.sandbox.prepare_environment`): which backend
builds what, and how it is cached, is the sandbox's business (a venv under bwrap, an
image under docker; see :mod:`m1env.sandbox.environments`). Offline builds:
``$M1ENV_SWE_WHEELS`` or ``wheels=``.
"""

from __future__ import annotations

from m1env import sandbox
from m1env.verifiers.swe.grade import runner_files, runner_key
from m1env.verifiers.swe.instance import SWEInstance

__all__ = ["DEFAULT_PREFIX", "environment_spec", "task_environment"]

DEFAULT_PREFIX = "m1env-swe"


def environment_spec(
    instance: SWEInstance, *, image_prefix: str = DEFAULT_PREFIX, wheels: str | None = None
) -> sandbox.EnvironmentSpec:
    """What ``instance``'s tests need installed around them."""
    return sandbox.EnvironmentSpec(
        name=instance.repo,
        requirements=instance.requirements,
        files=instance.files,
        tools=runner_files(),
        tools_key=runner_key(),
        revision=instance.environment_setup_commit,
        wheels=wheels,
        image_prefix=image_prefix,
    )


def task_environment(
    instance: SWEInstance,
    backend: sandbox.Backend | str | None = None,
    *,
    image_prefix: str = DEFAULT_PREFIX,
    wheels: str | None = None,
) -> sandbox.PreparedEnvironment:
    """``instance``'s environment on ``backend`` (default: the chosen one), built once
    per content hash. Raises EnvironmentBuildError (a SandboxError) when it cannot be."""
    spec = environment_spec(instance, image_prefix=image_prefix, wheels=wheels)
    return sandbox.prepare_environment(spec, backend)
