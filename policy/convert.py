"""Conversion from transformers' ``MiniMaxForCausalLM`` (the reference implementation).

:func:`from_hf_minimax` reads a loaded transformers model (any size; tests use tiny random
ones built offline from a ``MiniMaxConfig``) and returns a :class:`HybridMoEForCausalLM` with
the same weights, whose logits match transformers' to float32 rounding in prefill and in
step-by-step decoding. Written against transformers 5.24 ``modeling_minimax.py``.

Deliberate differences from transformers' implementation, all numerically neutral here:

* **FP32 LM head.** Our logits are always float32 (``F.linear`` on upcast hidden state and
  weight); transformers computes them in the model dtype. Identical for fp32 models.
* **Rotary dimension.** transformers' MiniMax rotates the whole head (its default RoPE ignores
  any partial factor); MiniMax-01 itself rotates half of it. Our ``rotary_dim`` is configurable
  (default ``head_dim // 2``); conversion sets ``rotary_dim = head_dim`` to match transformers.
  Only the ``"default"`` rope type converts.
* **Lightning prefill with a state.** transformers switches to a token-by-token loop whenever a
  linear cache exists; we run the block-wise form seeded with the state (the same function,
  faster), and the recurrent step only for single-token steps.
* **Padding and positions.** transformers numbers rotary positions ``0..T-1`` regardless of the
  attention mask; we count real tokens, so left-padded rows match unpadded ones. Equal when no
  padding is present (the case the equivalence covers).
* **Decode positions.** transformers 5.24 derives the rotary position of a decoded token from
  ``MiniMaxCache.get_seq_length()``, which reads layer 0's KV cache; when layer 0 is a lightning
  layer (MiniMax's layout) that is always 0, so its incremental decoding rotates new tokens at
  position 0 unless ``position_ids`` is passed. We track positions in the cache; the
  equivalence test passes ``position_ids`` to transformers.
* **Load-balancing loss.** Ours is the per-layer Switch loss averaged over layers with ``f_e``
  over ``N·k`` assignments (1 when balanced); transformers pools layers and counts ``f_e``
  over ``N`` (``k`` when balanced). Used for training only; logits are unaffected.
* **Lightning RMSNorm eps.** transformers builds it with its default ``1e-6`` rather than
  ``rms_norm_eps``; we copy that into ``lightning_norm_eps``.
* **Not converted:** sliding-window attention, router jitter noise (training-time noise;
  ours has none), attention dropout, ``hidden_act`` other than SiLU: these raise.
"""

from __future__ import annotations

from typing import Any

import torch

from m1env.errors import ConversionError
from m1env.policy.config import FULL_ATTENTION, LINEAR_ATTENTION, PolicyConfig
from m1env.policy.model import HybridMoEForCausalLM

__all__ = ["config_from_hf_minimax", "from_hf_minimax"]


def config_from_hf_minimax(hf_config: Any) -> PolicyConfig:
    """Translate a transformers ``MiniMaxConfig`` into a :class:`PolicyConfig`."""
    if getattr(hf_config, "model_type", None) != "minimax":
        raise ConversionError(
            f"expected a MiniMaxConfig, got model_type={getattr(hf_config, 'model_type', None)!r}"
        )
    if hf_config.hidden_act != "silu":
        raise ConversionError(f"only hidden_act='silu' converts, got {hf_config.hidden_act!r}")
    if getattr(hf_config, "sliding_window", None) is not None:
        raise ConversionError("sliding-window attention is not supported")
    if getattr(hf_config, "router_jitter_noise", 0.0):
        raise ConversionError("router_jitter_noise is not supported")
    rope = dict(getattr(hf_config, "rope_parameters", None) or {})
    if rope.get("rope_type", "default") != "default":
        raise ConversionError(f"only the default rope type converts, got {rope.get('rope_type')!r}")
    head_dim = hf_config.head_dim or hf_config.hidden_size // hf_config.num_attention_heads
    layer_types = tuple(hf_config.layer_types)
    unknown = set(layer_types) - {LINEAR_ATTENTION, FULL_ATTENTION}
    if unknown:
        raise ConversionError(f"unknown layer types {sorted(unknown)}")
    return PolicyConfig(
        vocab_size=hf_config.vocab_size,
        hidden_size=hf_config.hidden_size,
        num_layers=hf_config.num_hidden_layers,
        num_heads=hf_config.num_attention_heads,
        head_dim=head_dim,
        num_kv_heads=hf_config.num_key_value_heads,
        intermediate_size=hf_config.intermediate_size,
        num_experts=hf_config.num_local_experts,
        num_experts_per_tok=hf_config.num_experts_per_tok,
        layer_types=layer_types,
        rotary_dim=head_dim,
        rope_theta=float(rope.get("rope_theta", hf_config.default_theta)),
        block_size=hf_config.block_size,
        rms_norm_eps=hf_config.rms_norm_eps,
        lightning_norm_eps=1e-6,
        linear_attn_alpha=float(hf_config.linear_attn_alpha_factor),
        linear_attn_beta=float(hf_config.linear_attn_beta_factor),
        full_attn_alpha=float(hf_config.full_attn_alpha_factor),
        full_attn_beta=float(hf_config.full_attn_beta_factor),
        mlp_alpha=float(hf_config.mlp_alpha_factor),
        mlp_beta=float(hf_config.mlp_beta_factor),
        router_aux_loss_coef=float(hf_config.router_aux_loss_coef),
        initializer_range=float(hf_config.initializer_range),
        tie_word_embeddings=bool(hf_config.tie_word_embeddings),
    )


def _weight_map(config: PolicyConfig) -> dict[str, str]:
    """Our parameter name -> transformers' parameter name."""
    names = {
        "embed_tokens.weight": "model.embed_tokens.weight",
        "norm.weight": "model.norm.weight",
        "lm_head.weight": "lm_head.weight",
    }
    for i, kind in enumerate(config.layer_types):
        ours, theirs = f"layers.{i}.", f"model.layers.{i}."
        names[ours + "input_norm.weight"] = theirs + "input_layernorm.weight"
        names[ours + "post_mixer_norm.weight"] = theirs + "post_attention_layernorm.weight"
        names[ours + "mlp.router"] = theirs + "mlp.gate.weight"
        names[ours + "mlp.gate_up_proj"] = theirs + "mlp.experts.gate_up_proj"
        names[ours + "mlp.down_proj"] = theirs + "mlp.experts.down_proj"
        if kind == LINEAR_ATTENTION:
            for p in ("qkv_proj", "output_gate", "out_proj", "norm"):
                names[f"{ours}mixer.{p}.weight"] = f"{theirs}self_attn.{p}.weight"
        else:
            for p in ("q_proj", "k_proj", "v_proj", "o_proj"):
                names[f"{ours}mixer.{p}.weight"] = f"{theirs}self_attn.{p}.weight"
    return names


@torch.no_grad()
def from_hf_minimax(hf_model: Any) -> HybridMoEForCausalLM:
    """A :class:`HybridMoEForCausalLM` holding ``hf_model``'s weights (same dtype and device)."""
    config = config_from_hf_minimax(hf_model.config)
    theirs = dict(hf_model.named_parameters())
    if config.tie_word_embeddings:
        theirs.setdefault("lm_head.weight", theirs["model.embed_tokens.weight"])
    ref = theirs["model.embed_tokens.weight"]
    model = HybridMoEForCausalLM(config).to(device=ref.device, dtype=ref.dtype)
    ours = dict(model.named_parameters(remove_duplicate=False))
    mapping = _weight_map(config)
    missing = sorted(set(mapping.values()) - set(theirs))
    if missing:
        raise ConversionError(f"transformers model lacks parameters {missing[:5]}")
    unmapped = sorted(set(theirs) - set(mapping.values()))
    if unmapped:
        raise ConversionError(f"transformers parameters with no counterpart: {unmapped[:5]}")
    for name, hf_name in mapping.items():
        src, dst = theirs[hf_name], ours[name]
        if src.shape != dst.shape:
            raise ConversionError(
                f"{hf_name} has shape {tuple(src.shape)}, expected {tuple(dst.shape)}"
            )
        dst.copy_(src)
    model.eval()
    return model
