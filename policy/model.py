"""The hybrid lightning-attention MoE causal language model.

``HybridMoEForCausalLM(config)(input_ids)`` returns a :class:`CausalLMOutput` whose ``logits``
``[B, T, V]`` are float32 whatever the model's dtype: the LM head runs in float32 (MiniMax-M1,
§3: a bf16 head made training and inference probabilities disagree).

Batches may be left-padded: ``attention_mask [B, T]`` (1 = real token) zeroes padded positions
out of lightning states, hides them from softmax keys, and sets rotary positions by counting
real tokens, so every row gets the logits it would get alone. Incremental use: pass
``use_cache=True`` once, then feed only new tokens with ``cache=out.cache`` (the cache is
updated in place and returned). ``aux_loss`` is the mean over layers of the MoE
load-balancing loss; training adds ``config.router_aux_loss_coef * aux_loss``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from m1env.errors import ShapeError
from m1env.policy.cache import InferenceCache, KVCache
from m1env.policy.config import PolicyConfig
from m1env.policy.layers.attention import SoftmaxAttention
from m1env.policy.layers.attention import attention_mask as build_attention_mask
from m1env.policy.layers.block import DecoderLayer
from m1env.policy.layers.lightning import LightningAttention
from m1env.policy.layers.moe import MoEFeedForward
from m1env.policy.layers.norm import RMSNorm
from m1env.policy.layers.rotary import RotaryEmbedding
from m1env.policy.ops.lightning import Backend

__all__ = ["CausalLMOutput", "HybridMoEForCausalLM"]


@dataclass
class CausalLMOutput:
    logits: torch.Tensor  # [B, T, V] float32
    aux_loss: torch.Tensor  # scalar: mean MoE load-balancing loss over layers
    cache: InferenceCache | None = None


class HybridMoEForCausalLM(nn.Module):
    def __init__(self, config: PolicyConfig, backend: Backend = "auto") -> None:
        super().__init__()
        self.config = config
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size)
        self.layers = nn.ModuleList(
            DecoderLayer(config, i, backend) for i in range(config.num_layers)
        )
        self.norm = RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.rotary = RotaryEmbedding(config.rotary_dim or 0, config.rope_theta)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        if config.tie_word_embeddings:
            self.lm_head.weight = self.embed_tokens.weight
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        """Normal(0, σ) init; DeepNorm's gain scales value, output and expert weights."""
        std, gain = self.config.initializer_range, self.config.deepnorm_init_gain
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, 0.0, std)
            elif isinstance(module, RMSNorm):
                nn.init.ones_(module.weight)
            elif isinstance(module, MoEFeedForward):
                nn.init.normal_(module.router, 0.0, std)
                nn.init.normal_(module.gate_up_proj, 0.0, std * gain)
                nn.init.normal_(module.down_proj, 0.0, std * gain)
        for layer in self.layers:
            mixer = layer.mixer
            if isinstance(mixer, SoftmaxAttention):
                mixer.v_proj.weight.mul_(gain)
                mixer.o_proj.weight.mul_(gain)
            elif isinstance(mixer, LightningAttention):
                per_head = mixer.qkv_proj.weight.view(mixer.num_heads, 3, mixer.head_dim, -1)
                per_head[:, 2].mul_(gain)  # the v slice of each head
                mixer.out_proj.weight.mul_(gain)

    @property
    def device(self) -> torch.device:
        return self.embed_tokens.weight.device

    @property
    def dtype(self) -> torch.dtype:
        return self.embed_tokens.weight.dtype

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def new_cache(self) -> InferenceCache:
        return InferenceCache.empty(len(self.layers))

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        cache: InferenceCache | None = None,
        use_cache: bool = False,
    ) -> CausalLMOutput:
        if input_ids.dim() != 2 or input_ids.dtype != torch.long:
            raise ShapeError(
                f"input_ids must be a [B, T] LongTensor, got {input_ids.dtype} {tuple(input_ids.shape)}"
            )
        batch, seq = input_ids.shape
        if attention_mask is not None and attention_mask.shape != input_ids.shape:
            raise ShapeError(
                f"attention_mask shape {tuple(attention_mask.shape)} != input_ids shape {tuple(input_ids.shape)}"
            )
        if input_ids.numel() and (input_ids.min() < 0 or input_ids.max() >= self.config.vocab_size):
            raise ShapeError(f"token ids must lie in [0, {self.config.vocab_size})")
        if cache is None and use_cache:
            cache = self.new_cache()
        dev = input_ids.device
        seen = cache.seen if cache is not None else 0
        if (
            cache is not None
            and cache.next_positions is not None
            and cache.next_positions.shape[0] != batch
        ):
            raise ShapeError(f"cache holds {cache.next_positions.shape[0]} rows, input has {batch}")

        mask = attention_mask.bool() if attention_mask is not None else None
        padded = mask is not None and not bool(mask.all())
        cur_mask = (
            mask if mask is not None else torch.ones(batch, seq, dtype=torch.bool, device=dev)
        )
        start = (
            cache.next_positions
            if cache is not None and cache.next_positions is not None
            else torch.zeros(batch, dtype=torch.long, device=dev)
        )
        positions = start[:, None] + cur_mask.long().cumsum(dim=1) - 1
        positions = positions.clamp(min=0)
        key_mask = cur_mask
        if cache is not None and cache.key_mask is not None:
            key_mask = torch.cat([cache.key_mask, cur_mask], dim=1)
        any_pad_keys = padded or (
            cache is not None and cache.key_mask is not None and not bool(cache.key_mask.all())
        )
        attn_mask = build_attention_mask(key_mask, seen, seq) if any_pad_keys else None
        token_mask = mask if padded else None

        x = self.embed_tokens(input_ids)
        rotary = self.rotary(positions, x.dtype)
        aux = x.new_zeros((), dtype=torch.float32)
        for i, layer in enumerate(self.layers):
            state = cache.layers[i] if cache is not None else None
            if cache is not None and state is None and not layer.is_linear:
                state = cache.layers[i] = KVCache()
            x, layer_aux, new_state = layer(x, rotary, token_mask, attn_mask, state)
            aux = aux + layer_aux
            if cache is not None and layer.is_linear:
                cache.layers[i] = new_state
        x = self.norm(x)
        logits = F.linear(x.float(), self.lm_head.weight.float())
        if cache is not None:
            cache.key_mask = key_mask
            cache.next_positions = start + cur_mask.long().sum(dim=1)
            cache.seen = seen + seq
        return CausalLMOutput(logits=logits, aux_loss=aux / len(self.layers), cache=cache)
