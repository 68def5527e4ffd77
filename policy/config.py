"""The model configuration: one typed dataclass, validated on construction.

Defaults give the small bundled policy (15.2 M parameters, byte-level vocabulary) with
MiniMax-01's layout: seven lightning-attention layers then one softmax-attention layer, repeated;
top-2 of 8 SwiGLU experts in every layer; post-norm residuals with DeepNorm scaling.

``layer_types`` is derived from ``softmax_every`` when not given: layer ``i`` (0-based) is
``"full_attention"`` when ``(i + 1) % softmax_every == 0``, else ``"linear_attention"``
(``softmax_every=1`` gives a plain softmax transformer, the benchmark's baseline).

DeepNorm: each residual is ``α·x + β·f(x)`` and is normalised before the next sub-layer. Left
as ``None``, the α factors default to DeepNet's decoder value ``(2N)^¼`` for ``N`` layers, the β
factors to 1, and :attr:`PolicyConfig.deepnorm_init_gain` ``(8N)^-¼`` scales the initial value,
output and expert weights (DeepNet, arXiv 2203.00555, §3).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from m1env.errors import PolicyConfigError

__all__ = ["FULL_ATTENTION", "LINEAR_ATTENTION", "PolicyConfig"]

LINEAR_ATTENTION = "linear_attention"
FULL_ATTENTION = "full_attention"


@dataclass(frozen=True)
class PolicyConfig:
    """Hyper-parameters of :class:`m1env.policy.model.HybridMoEForCausalLM`."""

    vocab_size: int = 272
    hidden_size: int = 256
    num_layers: int = 8
    num_heads: int = 4
    head_dim: int = 64
    num_kv_heads: int = 2
    intermediate_size: int = 256
    num_experts: int = 8
    num_experts_per_tok: int = 2
    softmax_every: int = 8
    layer_types: tuple[str, ...] = ()
    rotary_dim: int | None = None
    rope_theta: float = 10000.0
    block_size: int = 256
    rms_norm_eps: float = 1e-5
    lightning_norm_eps: float = 1e-6
    linear_attn_alpha: float | None = None
    linear_attn_beta: float = 1.0
    full_attn_alpha: float | None = None
    full_attn_beta: float = 1.0
    mlp_alpha: float | None = None
    mlp_beta: float = 1.0
    router_aux_loss_coef: float = 0.001
    initializer_range: float = 0.02
    tie_word_embeddings: bool = False

    def __post_init__(self) -> None:
        positive = (
            "vocab_size",
            "hidden_size",
            "num_layers",
            "num_heads",
            "head_dim",
            "num_kv_heads",
            "intermediate_size",
            "num_experts",
            "num_experts_per_tok",
            "softmax_every",
            "block_size",
        )
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise PolicyConfigError(f"{name} must be a positive int, got {value!r}")
        if self.num_heads % self.num_kv_heads:
            raise PolicyConfigError(
                f"num_heads ({self.num_heads}) must be a multiple of num_kv_heads ({self.num_kv_heads})"
            )
        if self.num_experts_per_tok > self.num_experts:
            raise PolicyConfigError(
                f"num_experts_per_tok ({self.num_experts_per_tok}) exceeds num_experts ({self.num_experts})"
            )
        rot = self.rotary_dim
        if rot is not None and (rot < 0 or rot > self.head_dim or rot % 2):
            raise PolicyConfigError(f"rotary_dim must be even and in [0, head_dim], got {rot}")
        for name in ("rope_theta", "rms_norm_eps", "lightning_norm_eps", "initializer_range"):
            if not getattr(self, name) > 0:
                raise PolicyConfigError(f"{name} must be > 0, got {getattr(self, name)!r}")
        if self.router_aux_loss_coef < 0:
            raise PolicyConfigError("router_aux_loss_coef must be >= 0")
        types = tuple(self.layer_types) or tuple(
            FULL_ATTENTION if (i + 1) % self.softmax_every == 0 else LINEAR_ATTENTION
            for i in range(self.num_layers)
        )
        if len(types) != self.num_layers:
            raise PolicyConfigError(
                f"layer_types has {len(types)} entries for {self.num_layers} layers"
            )
        bad = sorted(set(types) - {LINEAR_ATTENTION, FULL_ATTENTION})
        if bad:
            raise PolicyConfigError(
                f"unknown layer types {bad}; use {LINEAR_ATTENTION!r} or {FULL_ATTENTION!r}"
            )
        object.__setattr__(self, "layer_types", types)
        if rot is None:
            object.__setattr__(self, "rotary_dim", self.head_dim // 2 // 2 * 2)

    # DeepNorm factors with their defaults resolved.
    @property
    def deepnorm_alpha(self) -> float:
        return float((2 * self.num_layers) ** 0.25)

    @property
    def deepnorm_init_gain(self) -> float:
        return float((8 * self.num_layers) ** -0.25)

    def residual_factors(self, layer_idx: int) -> tuple[float, float, float, float]:
        """``(attn_alpha, attn_beta, mlp_alpha, mlp_beta)`` for one layer."""
        linear = self.layer_types[layer_idx] == LINEAR_ATTENTION
        alpha = self.linear_attn_alpha if linear else self.full_attn_alpha
        beta = self.linear_attn_beta if linear else self.full_attn_beta
        mlp_alpha = self.mlp_alpha
        default = self.deepnorm_alpha
        return (
            default if alpha is None else alpha,
            beta,
            default if mlp_alpha is None else mlp_alpha,
            self.mlp_beta,
        )

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["layer_types"] = list(self.layer_types)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PolicyConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise PolicyConfigError(f"unknown config fields {unknown}")
        kwargs = dict(data)
        if "layer_types" in kwargs:
            kwargs["layer_types"] = tuple(kwargs["layer_types"])
        return cls(**kwargs)

    def replace(self, **changes: Any) -> PolicyConfig:
        """A copy with ``changes``; ``layer_types`` is re-derived unless given."""
        if "layer_types" not in changes and {"num_layers", "softmax_every"} & set(changes):
            changes["layer_types"] = ()
        return dataclasses.replace(self, **changes)
