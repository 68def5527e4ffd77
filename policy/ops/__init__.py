"""Numerical kernels: lightning attention in its naive, block-wise and recurrent forms."""

from __future__ import annotations

from m1env.policy.ops.lightning import (
    Backend,
    lightning_attention,
    lightning_attention_blockwise,
    lightning_attention_naive,
    lightning_attention_step,
    minimax_decay_rates,
)

__all__ = [
    "Backend",
    "lightning_attention",
    "lightning_attention_blockwise",
    "lightning_attention_naive",
    "lightning_attention_step",
    "minimax_decay_rates",
]
