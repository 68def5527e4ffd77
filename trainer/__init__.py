"""The CISPO trainer: RL on m1env environments for the bundled policy.

Modules, in the order data flows through them:

* :mod:`trainer.tasks` — ``trainer/Add-v0`` and ``trainer/Sat-v0`` (tiny 2-SAT), the
  procedural tasks of the CPU presets;
* :mod:`trainer.config` — typed, validated dataclasses (SFT, RL, evaluation, optimiser);
* :mod:`trainer.rollout` — weighted task mixture, rollout engines (in-process policy or an
  OpenAI-compatible server), verifier scoring, dynamic sampling;
* :mod:`trainer.scoring` — scoring in-process or through m1env's Celery queue;
* :mod:`trainer.advantages` — group-normalised advantages (GRPO, Dr. GRPO);
* :mod:`trainer.losses` — CISPO, CISPO with token mask, GRPO, DAPO, Dr. GRPO;
* :mod:`trainer.logprobs` — trainer-side log-probs, entropy and the MoE auxiliary loss;
* :mod:`trainer.sft` — warm start on generator-written solutions;
* :mod:`trainer.rl` — the loop;
* :mod:`trainer.evaluate`, :mod:`trainer.checkpoint`, :mod:`trainer.metrics`;
* :mod:`trainer.presets`, :mod:`trainer.pipeline` — what ``m1env train`` runs.

Importing ``trainer`` imports torch (the ``train`` extra).
"""

from __future__ import annotations

from trainer.advantages import ADVANTAGES, drgrpo_advantages, grpo_advantages
from trainer.config import EnvWeight, EvalConfig, OptimConfig, RLConfig, SFTConfig
from trainer.errors import CheckpointError, ConfigError, RolloutError, TrainerError
from trainer.losses import (
    LOSSES,
    cispo_loss,
    cispo_masked_loss,
    dapo_loss,
    drgrpo_loss,
    get_loss,
    grpo_loss,
)

__all__ = [
    "ADVANTAGES",
    "LOSSES",
    "CheckpointError",
    "ConfigError",
    "EnvWeight",
    "EvalConfig",
    "OptimConfig",
    "RLConfig",
    "RolloutError",
    "SFTConfig",
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
