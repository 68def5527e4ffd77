"""Rotary position embedding on the first ``rotary_dim`` channels of each head.

The rotated channels use the "rotate half" pairing (channel ``i`` with ``i + rotary_dim/2``),
as GPT-NeoX, Llama and transformers' MiniMax do; the remaining ``head_dim - rotary_dim``
channels pass through unrotated (MiniMax-01 rotates 64 of 128).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

__all__ = ["RotaryEmbedding", "apply_rotary"]


class RotaryEmbedding(nn.Module):
    """Produces ``cos, sin`` of shape ``[B, T, rotary_dim]`` for integer positions ``[B, T]``."""

    inv_freq: torch.Tensor

    def __init__(self, rotary_dim: int, theta: float) -> None:
        super().__init__()
        self.rotary_dim = rotary_dim
        self.theta = theta
        self.register_buffer("inv_freq", self._inv_freq(), persistent=False)

    def _inv_freq(self) -> torch.Tensor:
        steps = torch.arange(0, self.rotary_dim, 2, dtype=torch.float) / self.rotary_dim
        return 1.0 / (self.theta**steps)

    def _apply(self, fn: Any, recurse: bool = True) -> RotaryEmbedding:
        # frequencies stay float32 under .to(half dtype): rounding them shifts far positions
        super()._apply(fn, recurse)
        self.inv_freq = self._inv_freq().to(self.inv_freq.device)
        return self

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
