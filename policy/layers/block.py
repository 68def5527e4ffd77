"""One decoder layer: token mixer then MoE, each in a DeepNorm post-norm residual.

As in MiniMax-01 (and transformers' ``MiniMaxDecoderLayer``), the residual branch starts from
the *normalised* stream::

    h = norm₁(x);  x' = α₁·h + β₁·mixer(h)
    h = norm₂(x'); y  = α₂·h + β₂·MoE(h)

so each residual sum is normalised before anything reads it (post-norm), and α > 1 (DeepNorm)
keeps the identity path dominant in deep stacks. The model's final norm closes the last sum.
"""

from __future__ import annotations

import torch
from torch import nn

from m1env.policy.cache import KVCache
from m1env.policy.config import LINEAR_ATTENTION, PolicyConfig
from m1env.policy.layers.attention import SoftmaxAttention
from m1env.policy.layers.lightning import LightningAttention
from m1env.policy.layers.moe import MoEFeedForward
from m1env.policy.layers.norm import RMSNorm
from m1env.policy.ops.lightning import Backend

__all__ = ["DecoderLayer"]


class DecoderLayer(nn.Module):
    def __init__(self, config: PolicyConfig, layer_idx: int, backend: Backend = "auto") -> None:
        super().__init__()
        self.layer_idx = layer_idx
        self.is_linear = config.layer_types[layer_idx] == LINEAR_ATTENTION
        self.mixer: LightningAttention | SoftmaxAttention = (
            LightningAttention(config, layer_idx, backend)
            if self.is_linear
            else SoftmaxAttention(config, layer_idx)
        )
        self.input_norm = RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.post_mixer_norm = RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.mlp = MoEFeedForward(config)
        self.attn_alpha, self.attn_beta, self.mlp_alpha, self.mlp_beta = config.residual_factors(
            layer_idx
        )

    def forward(
        self,
        x: torch.Tensor,
        rotary: tuple[torch.Tensor, torch.Tensor],
        token_mask: torch.Tensor | None,
        attn_mask: torch.Tensor | None,
        state: KVCache | torch.Tensor | None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """Returns ``(y, balance loss, new linear state or None)``."""
        h = self.input_norm(x)
        new_state = None
        if isinstance(self.mixer, LightningAttention):
            lin_state = state if isinstance(state, torch.Tensor) else None
            mixed, new_state = self.mixer(h, token_mask, lin_state)
        else:
            kv = state if isinstance(state, KVCache) else None
            mixed = self.mixer(h, rotary, attn_mask, kv)
        x = self.attn_alpha * h + self.attn_beta * mixed
        h = self.post_mixer_norm(x)
        ff, aux = self.mlp(h, token_mask)
        return self.mlp_alpha * h + self.mlp_beta * ff, aux, new_state
