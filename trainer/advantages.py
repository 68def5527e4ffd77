"""Group-relative advantages: one scalar per completion, from the rewards of its group.

Rewards come as ``[N, G]`` (N prompts, G completions each) or flat ``[N·G]`` with ``group_size``;
the result has the input's shape.

* ``grpo``   ``(r - mean_g) / (std_g + eps)`` — GRPO and CISPO (M1 uses this form);
* ``drgrpo`` ``r - mean_g`` — Dr. GRPO drops the std, which up-weights too-easy/too-hard groups.

A group whose rewards are all equal gets advantage 0 under both: it carries no signal, which is
why dynamic sampling (:mod:`m1env.trainer.rollout`) drops and refills such groups.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from m1env.errors import TrainerConfigError

__all__ = ["ADVANTAGES", "drgrpo_advantages", "get_advantage_fn", "grpo_advantages"]


def _grouped(rewards: torch.Tensor, group_size: int | None) -> torch.Tensor:
    if rewards.dim() == 2:
        return rewards.float()
    if rewards.dim() != 1 or group_size is None or group_size < 1:
        raise TrainerConfigError("rewards must be [N, G], or [N*G] with a positive group_size")
    if rewards.numel() % group_size:
        raise TrainerConfigError(
            f"{rewards.numel()} rewards do not split into groups of {group_size}"
        )
    return rewards.float().view(-1, group_size)


def grpo_advantages(
    rewards: torch.Tensor, group_size: int | None = None, *, eps: float = 1e-6
) -> torch.Tensor:
    """``(r - mean) / (std + eps)`` within each group (population std, as verl and TRL)."""
    g = _grouped(rewards, group_size)  # [N, G]
    centred = g - g.mean(dim=1, keepdim=True)
    std = g.std(dim=1, keepdim=True, unbiased=False)
    return (centred / (std + eps)).view(rewards.shape)


def drgrpo_advantages(
    rewards: torch.Tensor, group_size: int | None = None, *, eps: float = 1e-6
) -> torch.Tensor:
    """``r - mean`` within each group (Dr. GRPO: no std normalisation)."""
    del eps  # same signature as grpo_advantages so the two are interchangeable
    g = _grouped(rewards, group_size)
    return (g - g.mean(dim=1, keepdim=True)).view(rewards.shape)


ADVANTAGES: dict[str, Callable[..., torch.Tensor]] = {
    "grpo": grpo_advantages,
    "drgrpo": drgrpo_advantages,
}


def get_advantage_fn(name: str) -> Callable[..., torch.Tensor]:
    try:
        return ADVANTAGES[name]
    except KeyError:
        raise TrainerConfigError(
            f"unknown advantage {name!r}; choose one of {sorted(ADVANTAGES)}"
        ) from None
