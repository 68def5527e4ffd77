"""Model layers: norms, rotary, lightning and softmax attention, MoE, the decoder layer."""

from __future__ import annotations

from policy.layers.attention import SoftmaxAttention, attention_mask
from policy.layers.block import DecoderLayer
from policy.layers.lightning import LightningAttention
from policy.layers.moe import MoEFeedForward, Routing, load_balancing_loss, route
from policy.layers.norm import RMSNorm
from policy.layers.rotary import RotaryEmbedding, apply_rotary

__all__ = [
    "DecoderLayer",
    "LightningAttention",
    "MoEFeedForward",
    "RMSNorm",
    "RotaryEmbedding",
    "Routing",
    "SoftmaxAttention",
    "apply_rotary",
    "attention_mask",
    "load_balancing_loss",
    "route",
]
