"""The bundled hybrid lightning-attention MoE policy (MiniMax-01/M1 architecture, small scale).

What the trainer imports: the model and its config, the tokenizer, :func:`generate` (token ids,
text, per-token log-probs), :func:`completion_logprobs` (log-probs of given completions, with
gradients), and checkpoint save/load. :func:`from_hf_minimax` converts transformers' reference
implementation. See the submodules' docstrings for the specification of each part.
"""

from __future__ import annotations

from policy.cache import InferenceCache, KVCache
from policy.checkpoint import load_pretrained, save_pretrained
from policy.config import FULL_ATTENTION, LINEAR_ATTENTION, PolicyConfig
from policy.convert import config_from_hf_minimax, from_hf_minimax
from policy.errors import (
    CheckpointError,
    ConfigError,
    ConversionError,
    GenerationError,
    PolicyError,
    ShapeError,
    TokenizerError,
)
from policy.generation import (
    FinishReason,
    Generation,
    GenerationConfig,
    Prompt,
    completion_logprobs,
    encode_prompt,
    generate,
)
from policy.model import CausalLMOutput, HybridMoEForCausalLM
from policy.tokenizer import ByteTokenizer, ChatMessage

__all__ = [
    "FULL_ATTENTION",
    "LINEAR_ATTENTION",
    "ByteTokenizer",
    "CausalLMOutput",
    "ChatMessage",
    "CheckpointError",
    "ConfigError",
    "ConversionError",
    "FinishReason",
    "Generation",
    "GenerationConfig",
    "GenerationError",
    "HybridMoEForCausalLM",
    "InferenceCache",
    "KVCache",
    "PolicyConfig",
    "PolicyError",
    "Prompt",
    "ShapeError",
    "TokenizerError",
    "completion_logprobs",
    "config_from_hf_minimax",
    "encode_prompt",
    "from_hf_minimax",
    "generate",
    "load_pretrained",
    "save_pretrained",
]
