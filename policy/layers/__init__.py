"""Model layers: norms, rotary, lightning and softmax attention, MoE, the decoder layer."""

from __future__ import annotations

from m1env.policy.layers.attention import SoftmaxAttention, attention_mask
from m1env.policy.layers.block import DecoderLayer
from m1env.policy.layers.lightning import LightningAttention
from m1env.policy.layers.moe import MoEFeedForward, Routing, load_balancing_loss, route
from m1env.policy.layers.norm import RMSNorm
from m1env.policy.layers.rotary import RotaryEmbedding, apply_rotary

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
