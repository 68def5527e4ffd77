"""The bundled hybrid lightning-attention MoE policy (MiniMax-01/M1 architecture, small scale).

What the trainer imports: the model and its config, the tokenizer, :func:`generate` (token ids,
text, per-token log-probs), :func:`completion_logprobs` (log-probs of given completions, with
gradients), and checkpoint save/load. :func:`from_hf_minimax` converts transformers' reference
implementation. See the submodules' docstrings for the specification of each part.

Example::

    import torch
    from m1env.policy import (ByteTokenizer, GenerationConfig, HybridMoEForCausalLM, PolicyConfig,
                        completion_logprobs, generate, load_pretrained, save_pretrained)

    model, tok = HybridMoEForCausalLM(PolicyConfig()), ByteTokenizer()
    gens = generate(model, tok, [[{"role": "user", "content": "2+2?"}]],
                    GenerationConfig(max_new_tokens=64, temperature=1.0, seed=0))
    gens[0].token_ids, gens[0].text, gens[0].logprobs, gens[0].finish_reason
    logp, mask = completion_logprobs(model, [g.prompt_token_ids for g in gens],
                                     [g.token_ids for g in gens])   # differentiable
    save_pretrained(model, "ckpt/step-0", tok)   # then: m1env policy serve ckpt/step-0
"""

from __future__ import annotations

from m1env.errors import (
    ConversionError,
    GenerationError,
    PolicyCheckpointError,
    PolicyConfigError,
    PolicyError,
    ShapeError,
    TokenizerError,
)
from m1env.policy.cache import InferenceCache, KVCache
from m1env.policy.checkpoint import load_pretrained, save_pretrained
from m1env.policy.config import FULL_ATTENTION, LINEAR_ATTENTION, PolicyConfig
from m1env.policy.convert import config_from_hf_minimax, from_hf_minimax
from m1env.policy.generation import (
    FinishReason,
    Generation,
    GenerationConfig,
    Prompt,
    completion_logprobs,
    encode_prompt,
    generate,
)
from m1env.policy.model import CausalLMOutput, HybridMoEForCausalLM
from m1env.policy.tokenizer import ByteTokenizer, ChatMessage

__all__ = [
    "FULL_ATTENTION",
    "LINEAR_ATTENTION",
    "ByteTokenizer",
    "CausalLMOutput",
    "ChatMessage",
    "ConversionError",
    "FinishReason",
    "Generation",
    "GenerationConfig",
    "GenerationError",
    "HybridMoEForCausalLM",
    "InferenceCache",
    "KVCache",
    "PolicyCheckpointError",
    "PolicyConfig",
    "PolicyConfigError",
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
