"""Inference state carried between forward calls: KV caches and recurrent states.

A softmax-attention layer keeps its keys and values (:class:`KVCache`, grown by doubling so an
append is amortised O(1) copies); a lightning-attention layer keeps only its ``[B, H, d, d]``
state, so its memory and per-token cost do not grow with the context. :class:`InferenceCache`
also tracks which cached positions are real tokens (left padding of a batch is not) and the
next rotary position of each row, so a padded batch decodes exactly as its rows would alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["InferenceCache", "KVCache"]


class KVCache:
    """Keys and values of one softmax layer, ``[B, H_kv, S, head_dim]``."""

    def __init__(self) -> None:
        self._k: torch.Tensor | None = None
        self._v: torch.Tensor | None = None
        self.length = 0

    def append(self, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Add ``T`` new positions; return all keys and values so far (views, not copies)."""
        new = k.shape[2]
        need = self.length + new
        if self._k is None or self._v is None or need > self._k.shape[2]:
            cap = max(need, 2 * (self._k.shape[2] if self._k is not None else 0), 16)
            shape = (*k.shape[:2], cap, k.shape[3])
            grown_k = k.new_empty(shape)
            grown_v = v.new_empty((*v.shape[:2], cap, v.shape[3]))
            if self._k is not None and self._v is not None and self.length:
                grown_k[:, :, : self.length] = self._k[:, :, : self.length]
                grown_v[:, :, : self.length] = self._v[:, :, : self.length]
            self._k, self._v = grown_k, grown_v
        self._k[:, :, self.length : need] = k
        self._v[:, :, self.length : need] = v
        self.length = need
        return self._k[:, :, :need], self._v[:, :, :need]


@dataclass
class InferenceCache:
    """Everything a model needs to continue a batch of sequences one chunk at a time."""

    layers: list[KVCache | torch.Tensor | None]
    key_mask: torch.Tensor | None = None  # [B, S] bool: which seen positions are real tokens
    next_positions: torch.Tensor | None = None  # [B] rotary position of each row's next token
    seen: int = 0  # positions seen so far, padding included

    @classmethod
    def empty(cls, num_layers: int) -> InferenceCache:
        return cls(layers=[None] * num_layers)
