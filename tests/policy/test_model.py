"""Model behaviour: config validation, padding, caching, gradients, dtypes, checkpoints."""

from __future__ import annotations

import json

import pytest
import torch

from m1env.policy import (
    HybridMoEForCausalLM,
    PolicyCheckpointError,
    PolicyConfig,
    PolicyConfigError,
    ShapeError,
)
from m1env.policy.checkpoint import load_pretrained, save_pretrained
from m1env.policy.tokenizer import ByteTokenizer
from tests.policy.tiny import TINY


def _model(config: PolicyConfig = TINY, seed: int = 0) -> HybridMoEForCausalLM:
    torch.manual_seed(seed)
    return HybridMoEForCausalLM(config).eval()


def test_config_defaults_and_validation() -> None:
    cfg = PolicyConfig()
    assert cfg.layer_types == ("linear_attention",) * 7 + ("full_attention",)
    assert cfg.rotary_dim == cfg.head_dim // 2
    assert PolicyConfig(num_layers=3, softmax_every=1).layer_types == ("full_attention",) * 3
    alpha, beta, mlp_alpha, _ = cfg.residual_factors(0)
    assert alpha == mlp_alpha == pytest.approx(16**0.25) and beta == 1.0
    for bad in (
        dict(num_heads=3, num_kv_heads=2),
        dict(num_experts_per_tok=9),
        dict(rotary_dim=7),
        dict(hidden_size=0),
        dict(layer_types=("linear_attention",)),
        dict(layer_types=("mamba",) * 8),
        dict(rms_norm_eps=0.0),
    ):
        with pytest.raises(PolicyConfigError):
            PolicyConfig(**bad)
    with pytest.raises(PolicyConfigError):
        PolicyConfig.from_dict({"hidden_sise": 3})
    assert PolicyConfig.from_dict(json.loads(cfg.to_json())) == cfg


def test_left_padded_batch_matches_rows_alone() -> None:
    model = _model()
    a = torch.randint(0, 272, (1, 19))
    b = torch.randint(0, 272, (1, 11))
    pad = torch.zeros(1, 8, dtype=torch.long)
    batch = torch.cat([a, torch.cat([pad, b], 1)])
    mask = torch.ones_like(batch)
    mask[1, :8] = 0
    with torch.no_grad():
        out = model(batch, attention_mask=mask).logits
        torch.testing.assert_close(out[0], model(a).logits[0], atol=1e-5, rtol=0)
        torch.testing.assert_close(out[1, 8:], model(b).logits[0], atol=1e-5, rtol=0)


def test_chunked_incremental_calls_match_one_pass() -> None:
    model = _model()
    ids = torch.randint(0, 272, (2, 40))
    with torch.no_grad():
        full = model(ids).logits
        cache = model.new_cache()
        pieces = [
            model(ids[:, a:b], cache=cache).logits
            for a, b in ((0, 13), (13, 14), (14, 30), (30, 31), (31, 40))
        ]
    torch.testing.assert_close(torch.cat(pieces, 1), full, atol=1e-5, rtol=0)
    assert cache.seen == 40 and cache.next_positions is not None
    assert cache.next_positions.tolist() == [40, 40]


def test_padded_incremental_decoding_matches_rows_alone() -> None:
    model = _model(seed=1)
    a, b = torch.randint(0, 272, (1, 9)), torch.randint(0, 272, (1, 5))
    cont = torch.randint(0, 272, (2, 6))
    batch = torch.cat([a, torch.cat([torch.zeros(1, 4, dtype=torch.long), b], 1)])
    mask = torch.ones_like(batch)
    mask[1, :4] = 0
    with torch.no_grad():
        cache = model.new_cache()
        model(batch, attention_mask=mask, cache=cache)
        steps = [model(cont[:, t : t + 1], cache=cache).logits for t in range(6)]
        alone_a = model(torch.cat([a, cont[:1]], 1)).logits[0, 9:]
        alone_b = model(torch.cat([b, cont[1:]], 1)).logits[0, 5:]
    got = torch.cat(steps, 1)
    torch.testing.assert_close(got[0], alone_a, atol=1e-5, rtol=0)
    torch.testing.assert_close(got[1], alone_b, atol=1e-5, rtol=0)


def test_gradients_reach_every_parameter() -> None:
    model = _model().train()
    ids = torch.randint(0, 272, (2, 20))
    out = model(ids)
    loss = torch.nn.functional.cross_entropy(
        out.logits[:, :-1].reshape(-1, 272), ids[:, 1:].reshape(-1)
    )
    (loss + TINY.router_aux_loss_coef * out.aux_loss).backward()
    # an expert no token was routed to legitimately gets no gradient; everything else must
    missing = [
        n for n, p in model.named_parameters() if p.grad is None and "proj" not in n.split(".")[-1]
    ]
    assert missing == []
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


def test_bf16_model_gives_fp32_logits_close_to_fp32() -> None:
    model = _model()
    ids = torch.randint(0, 272, (1, 16))
    with torch.no_grad():
        ref = model(ids).logits
        low = model.to(torch.bfloat16)(ids).logits
    assert low.dtype == torch.float32
    # decay rates and rotary frequencies are not rounded to bf16 with the weights
    assert model.layers[0].mixer.slopes.dtype == torch.float32  # type: ignore[union-attr]
    assert model.rotary.inv_freq.dtype == torch.float32
    assert (low - ref).norm() / ref.norm() < 5e-2


def test_bad_inputs_raise() -> None:
    model = _model()
    with pytest.raises(ShapeError):
        model(torch.zeros(3, dtype=torch.long))
    with pytest.raises(ShapeError):
        model(torch.full((1, 3), 272))
    with pytest.raises(ShapeError):
        model(torch.zeros(1, 3, dtype=torch.long), attention_mask=torch.ones(1, 2))


@pytest.mark.parametrize("tied", [False, True])
def test_safetensors_round_trip(tmp_path, tied) -> None:
    model = _model(TINY.replace(tie_word_embeddings=tied))
    save_pretrained(model, tmp_path / "ckpt", ByteTokenizer(272))
    loaded, tok = load_pretrained(tmp_path / "ckpt")
    assert loaded.config == model.config and tok.vocab_size == 272
    ours = model.state_dict()
    for name, tensor in loaded.state_dict().items():
        assert torch.equal(tensor, ours[name]), name
    ids = torch.randint(0, 272, (2, 12))
    with torch.no_grad():
        assert torch.equal(loaded(ids).logits, model(ids).logits)


def test_broken_checkpoints_raise(tmp_path) -> None:
    with pytest.raises(PolicyCheckpointError):
        load_pretrained(tmp_path)
    model = _model()
    save_pretrained(model, tmp_path / "a")
    cfg = json.loads((tmp_path / "a" / "config.json").read_text())
    cfg["hidden_size"] = 64
    (tmp_path / "a" / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(PolicyCheckpointError):
        load_pretrained(tmp_path / "a")
    (tmp_path / "a" / "config.json").write_text("{not json")
    with pytest.raises(PolicyCheckpointError):
        load_pretrained(tmp_path / "a")
