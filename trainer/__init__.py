"""The CISPO trainer: RL on m1env environments for the bundled policy.

Modules, in the order data flows through them:

* :mod:`m1env.trainer.toy_envs` — ``trainer/Add-v0`` and ``trainer/Sat-v1`` (tiny 2-SAT), the
  toy environments of the CPU presets;
* :mod:`m1env.trainer.config` — typed, validated dataclasses (SFT, RL, evaluation, optimiser);
* :mod:`m1env.trainer.rollout` — weighted task mixture, rollout engines (in-process policy or an
  OpenAI-compatible server), verifier scoring, dynamic sampling;
* :mod:`m1env.trainer.scoring` — scoring in-process or through m1env's Celery queue;
* :mod:`m1env.trainer.advantages` — group-normalised advantages (GRPO, Dr. GRPO);
* :mod:`m1env.trainer.losses` — CISPO, CISPO with token mask, GRPO, DAPO, Dr. GRPO;
* :mod:`m1env.trainer.logprobs` — trainer-side log-probs, entropy and the MoE auxiliary loss;
* :mod:`m1env.trainer.sft` — warm start on generator-written solutions;
* :mod:`m1env.trainer.rl` — the loop;
* :mod:`m1env.trainer.evaluate`, :mod:`m1env.trainer.checkpoint`, :mod:`m1env.trainer.metrics`;
* :mod:`m1env.trainer.presets`, :mod:`m1env.trainer.pipeline` — what ``m1env train`` runs.

Importing a module that computes (losses, rollouts, the loop) imports torch (the ``train``
extra). This package and :mod:`m1env.trainer.config` do not: the CLI reads the config
dataclasses' defaults to build its parser, and ``m1env --help`` must work without torch. So the
names below are loaded on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from m1env.errors import RolloutError, TrainerCheckpointError, TrainerConfigError, TrainerError

if TYPE_CHECKING:
    from m1env.trainer.advantages import ADVANTAGES, drgrpo_advantages, grpo_advantages
    from m1env.trainer.config import EnvWeight, EvalConfig, OptimConfig, RLConfig, SFTConfig
    from m1env.trainer.losses import (
        LOSSES,
        cispo_loss,
        cispo_masked_loss,
        dapo_loss,
        drgrpo_loss,
        get_loss,
        grpo_loss,
    )

_LAZY = {
    **dict.fromkeys(("ADVANTAGES", "drgrpo_advantages", "grpo_advantages"), "advantages"),
    **dict.fromkeys(("EnvWeight", "EvalConfig", "OptimConfig", "RLConfig", "SFTConfig"), "config"),
    **dict.fromkeys(
        (
            "LOSSES",
            "cispo_loss",
            "cispo_masked_loss",
            "dapo_loss",
            "drgrpo_loss",
            "get_loss",
            "grpo_loss",
        ),
        "losses",
    ),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "ADVANTAGES",
    "LOSSES",
    "EnvWeight",
    "EvalConfig",
    "OptimConfig",
    "RLConfig",
    "RolloutError",
    "SFTConfig",
    "TrainerCheckpointError",
    "TrainerConfigError",
    "TrainerError",
    "cispo_loss",
    "cispo_masked_loss",
    "dapo_loss",
    "drgrpo_advantages",
    "drgrpo_loss",
    "get_loss",
    "grpo_advantages",
    "grpo_loss",
]
