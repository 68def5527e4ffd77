"""Grade a set of predictions and summarise it the way SWE-bench's harness does.

:func:`evaluate` grades each prediction whose instance is known and returns the
harness's summary keys (``total_instances``, ``submitted_instances``,
``completed_instances``, ``resolved_instances``, ``unresolved_instances``,
``empty_patch_instances``, ``error_instances`` and the matching ``*_ids`` lists), plus
``scores``: each instance's Score as a dict. Predictions for unknown instances are
listed under ``unknown_ids`` rather than dropped silently. As in the harness, a patch
that does not apply is an error instance (its Score is still ``incorrect``, 0).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from m1env.verifiers.swe.environment import task_environment
from m1env.verifiers.swe.grade import GradeLimits, grade
from m1env.verifiers.swe.instance import Prediction, SWEInstance

__all__ = ["evaluate"]


def evaluate(
    instances: Iterable[SWEInstance],
    predictions: Mapping[str, Prediction],
    limits: GradeLimits | None = None,
    *,
    environments: bool = False,
    backend: str | None = None,
) -> dict[str, Any]:
    """Grade ``predictions`` (by instance id) against ``instances``; see the module docstring.
    ``environments``: run each task in its environment
    (:func:`~m1env.verifiers.swe.environment.task_environment` on ``backend``) rather than
    on the bare default sandbox."""
    by_id = {inst.instance_id: inst for inst in instances}
    ids: dict[str, list[str]] = {
        k: [] for k in ("submitted", "completed", "resolved", "unresolved", "empty_patch", "error")
    }
    scores: dict[str, dict[str, Any]] = {}
    for instance_id, pred in sorted(predictions.items()):
        inst = by_id.get(instance_id)
        if inst is None:
            continue
        ids["submitted"].append(instance_id)
        if not pred.model_patch.strip():
            ids["empty_patch"].append(instance_id)
            continue
        environment = task_environment(inst, backend) if environments else None
        score = grade(inst, pred.model_patch, limits, environment)
        scores[instance_id] = score.to_dict()
        # SWE-bench's harness counts a patch that does not apply as an error instance.
        if score.status == "error" or score.details.get("verdict") == "patch_failed":
            ids["error"].append(instance_id)
            continue
        ids["completed"].append(instance_id)
        ids["resolved" if score.is_correct else "unresolved"].append(instance_id)
    out: dict[str, Any] = {"total_instances": len(by_id)}
    for key, values in ids.items():
        out[f"{key}_instances"] = len(values)
        out[f"{key}_ids"] = values
    out["unknown_ids"] = sorted(set(predictions) - set(by_id))
    out["scores"] = scores
    return out
