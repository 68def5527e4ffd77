"""The bundled hybrid lightning-attention MoE policy (MiniMax-01/M1 architecture, small scale)."""

from __future__ import annotations

from policy.cache import InferenceCache, KVCache
from policy.config import FULL_ATTENTION, LINEAR_ATTENTION, PolicyConfig
from policy.errors import (
    CheckpointError,
    ConfigError,
    ConversionError,
    GenerationError,
    PolicyError,
    ShapeError,
    TokenizerError,
)
from policy.model import CausalLMOutput, HybridMoEForCausalLM

__all__ = [
    "FULL_ATTENTION",
    "LINEAR_ATTENTION",
    "CausalLMOutput",
    "CheckpointError",
    "ConfigError",
    "ConversionError",
    "GenerationError",
    "HybridMoEForCausalLM",
    "InferenceCache",
    "KVCache",
    "PolicyConfig",
    "PolicyError",
    "ShapeError",
    "TokenizerError",
]
