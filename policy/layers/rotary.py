"""Rotary position embedding on the first ``rotary_dim`` channels of each head.

The rotated channels use the "rotate half" pairing (channel ``i`` with ``i + rotary_dim/2``),
as GPT-NeoX, Llama and transformers' MiniMax do; the remaining ``head_dim - rotary_dim``
channels pass through unrotated (MiniMax-01 rotates 64 of 128).
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["RotaryEmbedding", "apply_rotary"]


class RotaryEmbedding(nn.Module):
    """Produces ``cos, sin`` of shape ``[B, T, rotary_dim]`` for integer positions ``[B, T]``."""

    inv_freq: torch.Tensor

    def __init__(self, rotary_dim: int, theta: float) -> None:
        super().__init__()
        self.rotary_dim = rotary_dim
        inv = 1.0 / (theta ** (torch.arange(0, rotary_dim, 2, dtype=torch.float) / rotary_dim))
        self.register_buffer("inv_freq", inv, persistent=False)

    def forward(
        self, positions: torch.Tensor, dtype: torch.dtype
    ) -> tuple[torch.Tensor, torch.Tensor]:
        freqs = positions[..., None].float() * self.inv_freq.to(positions.device)
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos().to(dtype), emb.sin().to(dtype)


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate ``x [B, H, T, head_dim]`` by ``cos, sin [B, T, rotary_dim]``."""
    rot = cos.shape[-1]
    if rot == 0:
        return x
    cos, sin = cos[:, None], sin[:, None]
    x_rot = x[..., :rot]
    rotated = x_rot * cos + _rotate_half(x_rot) * sin
    if rot == x.shape[-1]:
        return rotated
    return torch.cat((rotated, x[..., rot:]), dim=-1)
