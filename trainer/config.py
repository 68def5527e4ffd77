"""Typed, validated configuration for SFT, RL and evaluation. Bad values raise TrainerConfigError.

Everything is a frozen dataclass that round-trips through JSON (``to_dict`` / ``from_dict``),
so a run directory's ``config.json`` rebuilds the run exactly (that is how resume works).

Conventions: ``steps`` count optimiser *generation* steps for RL (each runs ``update_rounds``
passes of ``minibatches`` optimiser updates over one batch of rollouts) and optimiser steps for
SFT. ``length_stages`` are ``(from_step, max_new_tokens)`` pairs: M1 grows the output window in
stages; the window in force at step ``s`` is the last stage whose ``from_step <= s``.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass, field
from typing import Any, Self

from m1env.errors import TrainerConfigError

__all__ = ["QUEUE_TIMEOUT_S", "EnvWeight", "EvalConfig", "OptimConfig", "RLConfig", "SFTConfig"]


def _positive(obj: object, *names: str) -> None:
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise TrainerConfigError(f"{type(obj).__name__}.{name} must be > 0, got {value!r}")


# How long queue scoring waits for a batch's Scores (m1env.trainer.scoring.QueueScorer). Here,
# not there, so that `m1env train --help` reads it without importing the store and the queue.
QUEUE_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class EnvWeight:
    """One environment of the training mixture: its id, sampling weight and settings."""

    id: str
    weight: float = 1.0
    difficulty: int | None = None  # None: the environment's own default
    kwargs: dict[str, Any] = field(default_factory=dict)
    # curriculum: the env joins the mixture at this RL step (e.g. judge-scored tasks after
    # the rule-verified ones have warmed the policy up, as in M1)
    from_step: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or "/" not in self.id:
            raise TrainerConfigError(f"env id must look like 'namespace/Name-vN', got {self.id!r}")
        if not (isinstance(self.weight, int | float) and math.isfinite(self.weight)) or (
            self.weight <= 0
        ):
            raise TrainerConfigError(f"env {self.id}: weight must be a positive number")
        if (
            isinstance(self.from_step, bool)
            or not isinstance(self.from_step, int)
            or (self.from_step < 0)
        ):
            raise TrainerConfigError(f"env {self.id}: from_step must be an int >= 0")
        if self.difficulty is not None and not 1 <= self.difficulty <= 10:
            raise TrainerConfigError(f"env {self.id}: difficulty must be in [1, 10]")


@dataclass(frozen=True)
class OptimConfig:
    """AdamW as in M1: β=(0.9, 0.95), eps=1e-15; global-norm gradient clipping."""

    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.95)
    eps: float = 1e-15
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    warmup_steps: int = 0
    schedule: str = "constant"  # or "cosine": decays to min_lr_ratio * lr at the last step
    min_lr_ratio: float = 0.1

    def __post_init__(self) -> None:
        _positive(self, "lr", "eps", "grad_clip")
        if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
            raise TrainerConfigError(f"betas must be two numbers in [0, 1), got {self.betas!r}")
        object.__setattr__(self, "betas", tuple(self.betas))
        if self.weight_decay < 0 or self.warmup_steps < 0:
            raise TrainerConfigError("weight_decay and warmup_steps must be >= 0")
        if self.schedule not in ("constant", "cosine"):
            raise TrainerConfigError(
                f"schedule must be 'constant' or 'cosine', got {self.schedule!r}"
            )
        if not 0 <= self.min_lr_ratio <= 1:
            raise TrainerConfigError("min_lr_ratio must be in [0, 1]")

    def lr_at(self, step: int, total: int) -> float:
        """Learning rate for 0-based ``step`` of ``total``: linear warm-up, then the schedule."""
        if self.warmup_steps and step < self.warmup_steps:
            return self.lr * (step + 1) / self.warmup_steps
        if self.schedule == "constant" or total <= 1:
            return self.lr
        done = min(1.0, (step - self.warmup_steps) / max(1, total - 1 - self.warmup_steps))
        floor = self.min_lr_ratio
        return self.lr * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * done)))


@dataclass(frozen=True)
class _Base:
    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise TrainerConfigError(f"{cls.__name__}: unknown fields {sorted(unknown)}")
        values = dict(data)
        if "envs" in values:
            values["envs"] = tuple(
                e if isinstance(e, EnvWeight) else EnvWeight(**e) for e in values["envs"]
            )
        if "optim" in values and isinstance(values["optim"], dict):
            values["optim"] = OptimConfig(**values["optim"])
        for key in ("length_stages",):
            if key in values:
                values[key] = tuple(tuple(s) for s in values[key])
        return cls(**values)


def _check_envs(envs: tuple[EnvWeight, ...], owner: str) -> None:
    if not envs:
        raise TrainerConfigError(f"{owner}.envs must name at least one environment")
    if not all(isinstance(e, EnvWeight) for e in envs):
        raise TrainerConfigError(f"{owner}.envs must hold EnvWeight entries")
    if min(e.from_step for e in envs) != 0:
        raise TrainerConfigError(f"{owner}.envs: at least one environment must start at step 0")


@dataclass(frozen=True)
class SFTConfig(_Base):
    """Supervised warm start on the worked solutions of the task generators."""

    envs: tuple[EnvWeight, ...]
    steps: int = 200
    batch_size: int = 32
    optim: OptimConfig = OptimConfig(lr=3e-3)
    seed: int = 0
    log_every: int = 20

    def __post_init__(self) -> None:
        object.__setattr__(self, "envs", tuple(self.envs))
        _check_envs(self.envs, "SFTConfig")
        _positive(self, "steps", "batch_size", "log_every")


@dataclass(frozen=True)
class RLConfig(_Base):
    """The RL loop; see the module docstring for ``steps`` and ``length_stages``."""

    envs: tuple[EnvWeight, ...]
    loss: str = "cispo"
    eps_low: float | None = None  # None: the loss's own default
    eps_high: float | None = None
    advantage: str = "grpo"
    steps: int = 50
    prompts_per_step: int = 16
    group_size: int = 8
    update_rounds: int = 2  # passes over each generation batch (off-policy after the first)
    minibatches: int = 2  # optimiser steps per pass
    temperature: float = 1.0
    length_stages: tuple[tuple[int, int], ...] = ((0, 32),)
    truncate_run: int = 3000  # repetition early stop: this many tokens in a row ...
    truncate_prob: float = 0.99  # ... each above this probability
    dynamic_sampling: bool = True
    max_refills: int = 4  # extra generation batches to refill dropped zero-variance groups
    overlong_buffer: int = 0  # DAPO soft overlong punishment over the last N tokens (0: off)
    overlong_penalty: float = 1.0
    error_reward: float = 0.0  # what a verifier "error" is worth
    old_logp_source: str = "trainer"  # "trainer": recompute; "rollout": the sampler's
    optim: OptimConfig = OptimConfig(lr=5e-4)
    seed: int = 0
    checkpoint_every: int = 0  # 0: only at the end
    eval_every: int = 0  # 0: no periodic held-out evaluation
    eval_n: int = 100
    scoring: str = "local"  # or "queue": through m1env's Celery queue (m1env.trainer.scoring)
    # Tasks and sampling seeds from each group's *global* index, one generation call per
    # group, and one global minibatch order: N data-parallel ranks then sample and update
    # exactly as one process does (to check DDP against one device; needs no dynamic sampling)
    shard_invariant: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "envs", tuple(self.envs))
        _check_envs(self.envs, "RLConfig")
        if self.scoring not in ("local", "queue"):
            raise TrainerConfigError(f"scoring must be 'local' or 'queue', got {self.scoring!r}")
        if self.shard_invariant and self.dynamic_sampling:
            raise TrainerConfigError(
                "shard_invariant needs dynamic_sampling=False (refills depend on the shard)"
            )
        # imported here: reading these dataclasses (the CLI's defaults) must not import torch
        from m1env.trainer.advantages import ADVANTAGES
        from m1env.trainer.losses import LOSSES

        if self.loss not in LOSSES:
            raise TrainerConfigError(f"unknown loss {self.loss!r}; choose one of {sorted(LOSSES)}")
        if self.advantage not in ADVANTAGES:
            raise TrainerConfigError(
                f"unknown advantage {self.advantage!r}; one of {sorted(ADVANTAGES)}"
            )
        _positive(self, "steps", "prompts_per_step", "update_rounds", "minibatches", "eval_n")
        if self.group_size < 2:
            raise TrainerConfigError(
                "group_size must be >= 2 (advantages are relative to the group)"
            )
        if (self.prompts_per_step * self.group_size) % self.minibatches:
            raise TrainerConfigError("prompts_per_step * group_size must divide into minibatches")
        if not self.temperature > 0:
            raise TrainerConfigError(
                "temperature must be > 0 for RL (the ratio needs a distribution)"
            )
        for name in ("eps_low", "eps_high"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise TrainerConfigError(f"{name} must be > 0, got {value!r}")
        stages = tuple(tuple(s) for s in self.length_stages)
        if not stages or stages[0][0] != 0:
            raise TrainerConfigError("length_stages must start with a stage at step 0")
        if any(b[0] <= a[0] for a, b in itertools.pairwise(stages)):
            raise TrainerConfigError("length_stages must have strictly increasing steps")
        if any(n < 1 for _, n in stages):
            raise TrainerConfigError("every length stage needs max_new_tokens >= 1")
        object.__setattr__(self, "length_stages", stages)
        if self.old_logp_source not in ("trainer", "rollout"):
            raise TrainerConfigError("old_logp_source must be 'trainer' or 'rollout'")
        if self.truncate_run < 0 or not 0 < self.truncate_prob <= 1:
            raise TrainerConfigError("truncate_run must be >= 0 and truncate_prob in (0, 1]")
        if self.overlong_buffer < 0 or self.max_refills < 0 or self.checkpoint_every < 0:
            raise TrainerConfigError("overlong_buffer, max_refills, checkpoint_every must be >= 0")
        if self.overlong_buffer >= min(n for _, n in stages):
            raise TrainerConfigError("overlong_buffer must be shorter than every length stage")

    def max_new_tokens(self, step: int) -> int:
        """The output window in force at ``step`` (staged growth, as in M1)."""
        return [n for start, n in self.length_stages if start <= step][-1]

    def loss_kwargs(self) -> dict[str, float]:
        """``eps_low``/``eps_high`` to pass to the loss (only those set)."""
        out: dict[str, float] = {}
        if self.eps_low is not None:
            out["eps_low"] = self.eps_low
        if self.eps_high is not None:
            out["eps_high"] = self.eps_high
        return out


@dataclass(frozen=True)
class EvalConfig(_Base):
    """Held-out evaluation: ``n`` tasks per environment, ``k`` samples each."""

    envs: tuple[EnvWeight, ...]
    n: int = 100
    k: int = 1
    temperature: float = 0.0  # 0: greedy (then k must be 1)
    max_new_tokens: int = 32
    seed: int = 12345
    batch_size: int = 64

    def __post_init__(self) -> None:
        object.__setattr__(self, "envs", tuple(self.envs))
        _check_envs(self.envs, "EvalConfig")
        _positive(self, "n", "k", "max_new_tokens", "batch_size")
        if self.temperature < 0:
            raise TrainerConfigError("temperature must be >= 0")
        if self.temperature == 0 and self.k > 1:
            raise TrainerConfigError("k > 1 needs temperature > 0 (greedy samples are identical)")
