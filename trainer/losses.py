"""Policy-gradient losses over token log-probabilities: CISPO and its baselines.

Every loss is a pure function with one signature, picked by name from :data:`LOSSES`::

    loss, stats = LOSSES[name](logp, old_logp, advantages, mask, eps_low=..., eps_high=...)

* ``logp``        ``[B, T]`` log π_θ(o_t) of the sampled tokens, with gradients;
* ``old_logp``    ``[B, T]`` log π_old(o_t) from the policy that sampled them (no gradients);
* ``advantages``  ``[B]``    one advantage per sequence (group-normalised, see
  :mod:`m1env.trainer.advantages`), broadcast over its tokens;
* ``mask``        ``[B, T]`` true on real completion tokens (padding is ignored).

``loss`` is a scalar to *minimise* (the negated objective); ``stats`` holds detached floats:
``clip_frac`` (share of tokens whose ratio left ``[1-eps_low, 1+eps_high]``),
``grad_drop_frac`` (share of tokens that contribute no gradient), ``ratio_mean``,
``ratio_max``, ``approx_kl`` (``E[old_logp - logp]``, k1).

The objectives (``r = exp(logp - old_logp)``, ``Â`` the advantage, ``sg`` stop-gradient):

* ``cispo`` (MiniMax-M1, eq. 4): ``J = 1/Σ|o_i| · Σ_i Σ_t sg(clip(r, 1-ε_low, 1+ε_high)) · Â ·
  log π(o_t)``. The importance *weight* is clipped, never the token: every token keeps a
  gradient, clipped ones with a bounded weight. ``eps_low=1`` means no lower bound (M1's setting).
* ``cispo-mask`` (M1, eq. 7): CISPO with PPO's trust region expressed as a token mask ``M``: a
  token gets no gradient where PPO-clip would drop it (``Â>0, r>1+ε_high`` or ``Â<0, r<1-ε_low``).
* ``grpo`` (DeepSeekMath): PPO-clip ``min(r·Â, clip(r)·Â)`` averaged over the tokens of each
  sequence, then over sequences (sample-level normalisation). No KL term.
* ``dapo`` (DAPO): PPO-clip with clip-higher (asymmetric ε, set by the caller) and token-level
  normalisation ``1/Σ|o_i|``.
* ``drgrpo`` (Dr. GRPO): PPO-clip summed over tokens and divided by a constant ``B · T`` (the
  generation budget, not the sequence length), removing GRPO's length bias; pair it with the
  mean-only advantages of :func:`m1env.trainer.advantages.drgrpo_advantages`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import torch

from m1env.errors import TrainerConfigError

__all__ = [
    "LOSSES",
    "NORMALISERS",
    "LossFn",
    "cispo_loss",
    "cispo_masked_loss",
    "dapo_loss",
    "drgrpo_loss",
    "get_loss",
    "grpo_loss",
]

Stats = dict[str, float]


class LossFn(Protocol):
    def __call__(
        self,
        logp: torch.Tensor,
        old_logp: torch.Tensor,
        advantages: torch.Tensor,
        mask: torch.Tensor,
        *,
        eps_low: float,
        eps_high: float,
    ) -> tuple[torch.Tensor, Stats]: ...


def _check(
    logp: torch.Tensor, old_logp: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    """Validate shapes; return the mask as float ``[B, T]``."""
    if logp.dim() != 2 or old_logp.shape != logp.shape or mask.shape != logp.shape:
        raise TrainerConfigError(
            f"logp, old_logp and mask must share a [B, T] shape, got {tuple(logp.shape)}, "
            f"{tuple(old_logp.shape)}, {tuple(mask.shape)}"
        )
    if advantages.shape != (logp.shape[0],):
        raise TrainerConfigError(
            f"advantages must be [B]={logp.shape[0]}, got {tuple(advantages.shape)}"
        )
    return mask.to(logp.dtype)


def _stats(
    ratio: torch.Tensor,  # [B, T]
    logp: torch.Tensor,  # [B, T]
    old_logp: torch.Tensor,  # [B, T]
    m: torch.Tensor,  # [B, T] float mask
    clipped: torch.Tensor,  # [B, T] bool: ratio outside the clip range
    dropped: torch.Tensor,  # [B, T] bool: token contributes no gradient
) -> Stats:
    n = m.sum().clamp(min=1.0)
    r = ratio.detach()
    return {
        "clip_frac": float((clipped.to(m.dtype) * m).sum() / n),
        "grad_drop_frac": float((dropped.to(m.dtype) * m).sum() / n),
        "ratio_mean": float((r * m).sum() / n),
        "ratio_max": float(r.masked_fill(m == 0, 0.0).max()) if m.any() else 0.0,
        "approx_kl": float(((old_logp - logp.detach()) * m).sum() / n),
    }


def _ppo_terms(
    logp: torch.Tensor,
    old_logp: torch.Tensor,
    advantages: torch.Tensor,
    eps_low: float,
    eps_high: float,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """PPO-clip per token: (surrogate [B, T], ratio, clipped mask, gradient-dropped mask)."""
    ratio = torch.exp(logp - old_logp.detach())  # [B, T]
    adv = advantages.detach()[:, None]  # [B, 1]
    unclipped = ratio * adv
    clipped_obj = torch.clamp(ratio, 1.0 - eps_low, 1.0 + eps_high) * adv
    surrogate = torch.minimum(unclipped, clipped_obj)  # [B, T]
    outside = (ratio < 1.0 - eps_low) | (ratio > 1.0 + eps_high)
    # min() picks the constant clipped branch exactly when it is strictly smaller
    dropped = clipped_obj.detach() < unclipped.detach()
    return surrogate, ratio, outside, dropped


def cispo_loss(
    logp: torch.Tensor,  # [B, T]
    old_logp: torch.Tensor,  # [B, T]
    advantages: torch.Tensor,  # [B]
    mask: torch.Tensor,  # [B, T]
    *,
    eps_low: float = 1.0,
    eps_high: float = 0.28,
) -> tuple[torch.Tensor, Stats]:
    """CISPO: ``-1/Σ|o| · Σ sg(clip(r)) · Â · logp``; no token loses its gradient."""
    m = _check(logp, old_logp, advantages, mask)
    ratio = torch.exp(logp.detach() - old_logp.detach())  # [B, T], already stop-gradient
    weight = torch.clamp(ratio, 1.0 - eps_low, 1.0 + eps_high)  # [B, T]
    per_token = weight * advantages.detach()[:, None] * logp  # [B, T]
    loss = -(per_token * m).sum() / m.sum().clamp(min=1.0)
    outside = (ratio < 1.0 - eps_low) | (ratio > 1.0 + eps_high)
    return loss, _stats(ratio, logp, old_logp, m, outside, torch.zeros_like(outside))


def cispo_masked_loss(
    logp: torch.Tensor,  # [B, T]
    old_logp: torch.Tensor,  # [B, T]
    advantages: torch.Tensor,  # [B]
    mask: torch.Tensor,  # [B, T]
    *,
    eps_low: float = 0.2,
    eps_high: float = 0.28,
) -> tuple[torch.Tensor, Stats]:
    """CISPO with PPO's implicit trust region as a token mask (M1, eq. 7)."""
    m = _check(logp, old_logp, advantages, mask)
    ratio = torch.exp(logp.detach() - old_logp.detach())  # [B, T]
    adv = advantages.detach()[:, None]  # [B, 1]
    dropped = ((adv > 0) & (ratio > 1.0 + eps_high)) | ((adv < 0) & (ratio < 1.0 - eps_low))
    weight = torch.clamp(ratio, 1.0 - eps_low, 1.0 + eps_high)
    keep = m * (~dropped).to(m.dtype)  # [B, T]
    loss = -(weight * adv * logp * keep).sum() / m.sum().clamp(min=1.0)
    outside = (ratio < 1.0 - eps_low) | (ratio > 1.0 + eps_high)
    return loss, _stats(ratio, logp, old_logp, m, outside, dropped)


def grpo_loss(
    logp: torch.Tensor,  # [B, T]
    old_logp: torch.Tensor,  # [B, T]
    advantages: torch.Tensor,  # [B]
    mask: torch.Tensor,  # [B, T]
    *,
    eps_low: float = 0.2,
    eps_high: float = 0.2,
) -> tuple[torch.Tensor, Stats]:
    """GRPO: PPO-clip, mean over each sequence's tokens, then mean over sequences."""
    m = _check(logp, old_logp, advantages, mask)
    surrogate, ratio, outside, dropped = _ppo_terms(logp, old_logp, advantages, eps_low, eps_high)
    per_seq = (surrogate * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)  # [B]
    has_tokens = (m.sum(dim=1) > 0).to(m.dtype)  # [B]
    loss = -(per_seq * has_tokens).sum() / has_tokens.sum().clamp(min=1.0)
    return loss, _stats(ratio, logp, old_logp, m, outside, dropped)


def dapo_loss(
    logp: torch.Tensor,  # [B, T]
    old_logp: torch.Tensor,  # [B, T]
    advantages: torch.Tensor,  # [B]
    mask: torch.Tensor,  # [B, T]
    *,
    eps_low: float = 0.2,
    eps_high: float = 0.28,
) -> tuple[torch.Tensor, Stats]:
    """DAPO: PPO-clip with clip-higher, averaged over all tokens of the batch."""
    m = _check(logp, old_logp, advantages, mask)
    surrogate, ratio, outside, dropped = _ppo_terms(logp, old_logp, advantages, eps_low, eps_high)
    loss = -(surrogate * m).sum() / m.sum().clamp(min=1.0)
    return loss, _stats(ratio, logp, old_logp, m, outside, dropped)


def drgrpo_loss(
    logp: torch.Tensor,  # [B, T]
    old_logp: torch.Tensor,  # [B, T]
    advantages: torch.Tensor,  # [B]
    mask: torch.Tensor,  # [B, T]
    *,
    eps_low: float = 0.2,
    eps_high: float = 0.2,
) -> tuple[torch.Tensor, Stats]:
    """Dr. GRPO: PPO-clip summed over tokens, divided by the constant ``B·T``."""
    m = _check(logp, old_logp, advantages, mask)
    surrogate, ratio, outside, dropped = _ppo_terms(logp, old_logp, advantages, eps_low, eps_high)
    loss = -(surrogate * m).sum() / float(logp.shape[0] * logp.shape[1])
    return loss, _stats(ratio, logp, old_logp, m, outside, dropped)


LOSSES: dict[str, LossFn] = {
    "cispo": cispo_loss,
    "cispo-mask": cispo_masked_loss,
    "grpo": grpo_loss,
    "dapo": dapo_loss,
    "drgrpo": drgrpo_loss,
}


# What each loss divides by (``mask`` ``[B, T]`` → a scalar): data-parallel training rescales
# shard losses with it so the averaged gradient equals the global-batch gradient.
NORMALISERS: dict[str, Callable[[torch.Tensor], float]] = {
    "cispo": lambda mask: float(mask.sum()),
    "cispo-mask": lambda mask: float(mask.sum()),
    "dapo": lambda mask: float(mask.sum()),
    "grpo": lambda mask: float((mask.sum(dim=1) > 0).sum()),
    "drgrpo": lambda mask: float(mask.numel()),
}


def get_loss(name: str) -> LossFn:
    """The loss called ``name``; a clear error lists the known ones."""
    try:
        return LOSSES[name]
    except KeyError:
        raise TrainerConfigError(f"unknown loss {name!r}; choose one of {sorted(LOSSES)}") from None
