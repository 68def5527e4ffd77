"""Our model against transformers' MiniMaxForCausalLM (the reference implementation)."""

from __future__ import annotations

import pytest
import torch

transformers = pytest.importorskip("transformers")

from m1env.errors import ConversionError  # noqa: E402
from m1env.policy.convert import from_hf_minimax  # noqa: E402

TYPES = [
    "linear_attention",
    "full_attention",
    "linear_attention",
    "linear_attention",
    "full_attention",
]


def _hf_model(seed: int = 0, **overrides):
    torch.manual_seed(seed)
    cfg = dict(
        vocab_size=300,
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=len(TYPES),
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        num_local_experts=4,
        num_experts_per_tok=2,
        layer_types=TYPES,
        block_size=8,
        # a larger init than the default 0.02 so every sub-layer visibly moves the logits
        initializer_range=0.15,
        linear_attn_alpha_factor=1.3,
        linear_attn_beta_factor=0.9,
        full_attn_alpha_factor=1.2,
        full_attn_beta_factor=1.1,
        mlp_alpha_factor=1.4,
        mlp_beta_factor=0.8,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
        attn_implementation="eager",
    )
    cfg.update(overrides)
    config = transformers.MiniMaxConfig(**cfg)
    model = transformers.MiniMaxForCausalLM(config).eval()
    with torch.no_grad():  # non-trivial norm weights so a mis-mapped norm cannot hide
        for name, p in model.named_parameters():
            if name.endswith("norm.weight") or "layernorm" in name:
                p.uniform_(0.5, 1.5)
    return model


def test_prefill_logits_match_transformers() -> None:
    hf = _hf_model()
    ours = from_hf_minimax(hf)
    ids = torch.randint(0, 300, (3, 21), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        want = hf(ids).logits
        got = ours(ids).logits
    assert got.shape == (3, 21, 300) and got.dtype == torch.float32
    assert want.std() > 0.5  # the comparison is not between near-constant logits
    torch.testing.assert_close(got, want, rtol=0, atol=1e-4)


def test_decoding_logits_match_transformers_step_by_step() -> None:
    hf = _hf_model(seed=3)
    ours = from_hf_minimax(hf)
    ids = torch.randint(0, 300, (2, 30), generator=torch.Generator().manual_seed(2))
    prompt = 13
    with torch.no_grad():
        hf_out = hf(ids[:, :prompt], use_cache=True)
        hf_cache = hf_out.cache
        our_out = ours(ids[:, :prompt], use_cache=True)
        torch.testing.assert_close(our_out.logits, hf_out.logits, rtol=0, atol=1e-4)
        cache = our_out.cache
        for t in range(prompt, ids.shape[1]):
            # transformers 5.24 takes decode positions from cache.get_seq_length(), which reads
            # layer 0's KV cache: empty when layer 0 is a lightning layer. Give them explicitly.
            pos = torch.full((2, 1), t)
            hf_step = hf(ids[:, t : t + 1], cache=hf_cache, use_cache=True, position_ids=pos)
            hf_cache = hf_step.cache
            step = ours(ids[:, t : t + 1], cache=cache)
            torch.testing.assert_close(step.logits, hf_step.logits, rtol=0, atol=1e-4)
        # and the whole sequence in one pass agrees with the steps
        full = ours(ids).logits
        torch.testing.assert_close(step.logits[:, -1], full[:, -1], rtol=0, atol=1e-4)


def test_conversion_keeps_decay_schedule_and_config() -> None:
    hf = _hf_model()
    ours = from_hf_minimax(hf)
    assert ours.config.layer_types == tuple(TYPES)
    assert ours.config.rotary_dim == 16
    for i, kind in enumerate(TYPES):
        if kind == "linear_attention":
            torch.testing.assert_close(
                ours.layers[i].mixer.slopes,  # type: ignore[union-attr]
                hf.model.layers[i].self_attn.slope_rate.flatten(),
            )


def test_unsupported_configs_raise() -> None:
    with pytest.raises(ConversionError):
        from_hf_minimax(_hf_model(hidden_act="gelu"))
    with pytest.raises(ConversionError):
        from_hf_minimax(_hf_model(sliding_window=4))
