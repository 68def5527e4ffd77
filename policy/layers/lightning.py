"""The lightning-attention token mixer of MiniMax-01.

``q, k, v = SiLU(W_qkv x)`` (one fused projection; per head the three ``head_dim`` slices lie
side by side, as in MiniMax's checkpoints), no positional encoding, lightning attention with
this layer's decay rates (:func:`m1env.policy.ops.minimax_decay_rates`), then
``W_o(σ(W_g x) ⊙ RMSNorm(o))`` where the RMSNorm spans all heads together (``H·head_dim``).

Prefill runs the block-wise form (or fla's kernel on CUDA); a single new token with a state in
hand runs the recurrent step, so decoding costs the same at any context length. Padded
positions (``mask`` false) get ``q = k = v = 0``: they add nothing to the state.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from m1env.policy.config import PolicyConfig
from m1env.policy.layers.norm import RMSNorm
from m1env.policy.ops.lightning import (
    Backend,
    lightning_attention,
    lightning_attention_step,
    minimax_decay_rates,
)

__all__ = ["LightningAttention"]


class LightningAttention(nn.Module):
    slopes: torch.Tensor

    def __init__(self, config: PolicyConfig, layer_idx: int, backend: Backend = "auto") -> None:
        super().__init__()
        self.layer_idx = layer_idx
        self.num_heads = config.num_heads
        self.head_dim = config.head_dim
        self.block_size = config.block_size
        self.backend: Backend = backend
        inner = config.num_heads * config.head_dim
        self.qkv_proj = nn.Linear(config.hidden_size, 3 * inner, bias=False)
        self.output_gate = nn.Linear(config.hidden_size, inner, bias=False)
        self.out_proj = nn.Linear(inner, config.hidden_size, bias=False)
        self.norm = RMSNorm(inner, eps=config.lightning_norm_eps)
        self._rate_args = (config.num_heads, layer_idx, config.num_layers)
        # not persistent: a pure function of the config, recomputed on load
        self.register_buffer("slopes", minimax_decay_rates(*self._rate_args), persistent=False)

    def _apply(self, fn: Any, recurse: bool = True) -> LightningAttention:
        # .to(bfloat16) would round the decay rates (0.4 % in bf16, compounding over a long
        # context); they stay float32 on whatever device the module moved to
        super()._apply(fn, recurse)
        self.slopes = minimax_decay_rates(*self._rate_args).to(self.slopes.device)
        return self

    def forward(
        self,
        x: torch.Tensor,
        mask: torch.Tensor | None = None,
        state: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``x [B, T, hidden]``, ``mask [B, T]`` (true = real token). Returns ``(out, new_state)``."""
        batch, seq, _ = x.shape
        qkv = F.silu(self.qkv_proj(x))
        if mask is not None:
            qkv = qkv * mask[:, :, None].to(qkv.dtype)
        qkv = qkv.view(batch, seq, self.num_heads, 3 * self.head_dim)
        q, k, v = qkv.split(self.head_dim, dim=-1)
        if state is not None and seq == 1:
            o, new_state = lightning_attention_step(q[:, 0], k[:, 0], v[:, 0], self.slopes, state)
            o = o[:, None]
        else:
            o, new_state = lightning_attention(
                q, k, v, self.slopes, state, block_size=self.block_size, backend=self.backend
            )
        o = o.reshape(batch, seq, self.num_heads * self.head_dim).to(x.dtype)
        o = self.norm(o)
        o = torch.sigmoid(self.output_gate(x)) * o
        return self.out_proj(o), new_state
