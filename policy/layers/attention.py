"""Softmax attention with partial rotary embedding and grouped-query heads.

``q = W_q x`` (``H`` heads), ``k, v = W_k x, W_v x`` (``H_kv`` heads shared by ``H/H_kv`` query
heads each), rotary on the first ``rotary_dim`` channels of q and k, causal scaled dot-product
attention (``1/√head_dim``) through ``torch.nn.functional.scaled_dot_product_attention``,
then ``W_o``. With a :class:`~m1env.policy.cache.KVCache` the new keys and values are appended and
queries attend to everything cached, subject to the padding mask.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from m1env.policy.cache import KVCache
from m1env.policy.config import PolicyConfig
from m1env.policy.layers.rotary import apply_rotary

__all__ = ["SoftmaxAttention", "attention_mask"]


def attention_mask(key_mask: torch.Tensor, seen: int, new: int) -> torch.Tensor:
    """Boolean ``[B, 1, T, S]`` mask: causal, real keys only, and always the query's own slot.

    ``key_mask [B, S]`` flags real tokens among all ``S = seen + new`` positions. Allowing the
    diagonal keeps padded query rows finite (their outputs are never used).
    """
    total = key_mask.shape[1]
    q_idx = torch.arange(seen, seen + new, device=key_mask.device)[:, None]
    k_idx = torch.arange(total, device=key_mask.device)[None, :]
    causal = k_idx <= q_idx
    allowed = causal[None] & key_mask[:, None, :]
    allowed = allowed | (k_idx == q_idx)[None]
    return allowed[:, None]


class SoftmaxAttention(nn.Module):
    def __init__(self, config: PolicyConfig, layer_idx: int) -> None:
        super().__init__()
        self.layer_idx = layer_idx
        self.num_heads = config.num_heads
        self.num_kv_heads = config.num_kv_heads
        self.head_dim = config.head_dim
        hidden, hd = config.hidden_size, config.head_dim
        self.q_proj = nn.Linear(hidden, self.num_heads * hd, bias=False)
        self.k_proj = nn.Linear(hidden, self.num_kv_heads * hd, bias=False)
        self.v_proj = nn.Linear(hidden, self.num_kv_heads * hd, bias=False)
        self.o_proj = nn.Linear(self.num_heads * hd, hidden, bias=False)

    def forward(
        self,
        x: torch.Tensor,
        rotary: tuple[torch.Tensor, torch.Tensor],
        mask: torch.Tensor | None,
        cache: KVCache | None,
    ) -> torch.Tensor:
        """``x [B, T, hidden]``; ``mask`` from :func:`attention_mask` or ``None`` for plain causal."""
        batch, seq, _ = x.shape
        q = self.q_proj(x).view(batch, seq, self.num_heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(batch, seq, self.num_kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(batch, seq, self.num_kv_heads, self.head_dim).transpose(1, 2)
        cos, sin = rotary
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        past = 0
        if cache is not None:
            past = cache.length
            k, v = cache.append(k, v)
        gqa = self.num_heads != self.num_kv_heads
        if seq == 1 and past:
            out = self._decode(q, k, v, mask)
        elif mask is not None:
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=gqa)
        else:
            # no padding: causal within the new chunk, everything cached before it is visible
            causal = seq > 1
            if causal and past:
                full = torch.ones(batch, k.shape[2], dtype=torch.bool, device=x.device)
                out = F.scaled_dot_product_attention(
                    q, k, v, attn_mask=attention_mask(full, past, seq), enable_gqa=gqa
                )
            else:
                out = F.scaled_dot_product_attention(q, k, v, is_causal=causal, enable_gqa=gqa)
        out = out.transpose(1, 2).reshape(batch, seq, self.num_heads * self.head_dim)
        return self.o_proj(out)

    def _decode(
        self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None
    ) -> torch.Tensor:
        """One query against the cache. The query heads of a group share one matmul with their
        K/V head, so the cache is read in place (no GQA expansion, no contiguous copy): the
        step costs one pass over the cache, the floor for softmax decoding."""
        batch = q.shape[0]
        groups = self.num_heads // self.num_kv_heads
        qg = q.view(batch, self.num_kv_heads, groups, self.head_dim)
        scores = (qg @ k.transpose(-1, -2)) * self.head_dim**-0.5  # [B, H_kv, G, S]
        if mask is not None:  # [B, 1, 1, S]
            scores = scores.masked_fill(~mask, float("-inf"))
        probs = torch.softmax(scores.float(), dim=-1).to(v.dtype)
        return (probs @ v).view(batch, self.num_heads, 1, self.head_dim)
