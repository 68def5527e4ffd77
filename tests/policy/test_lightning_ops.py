"""The block-wise and recurrent lightning-attention forms against the quadratic reference."""

from __future__ import annotations

import pytest
import torch

from m1env.errors import PolicyConfigError, ShapeError
from m1env.policy.ops import (
    lightning_attention,
    lightning_attention_blockwise,
    lightning_attention_naive,
    lightning_attention_step,
    minimax_decay_rates,
)


def _inputs(batch: int, seq: int, heads: int, dk: int, dv: int, seed: int, layer: int = 0):
    gen = torch.Generator().manual_seed(seed)

    def rand(*shape: int) -> torch.Tensor:
        # SiLU'd like the real layer, so values are mostly positive as in the model
        x = torch.nn.functional.silu(torch.randn(*shape, generator=gen, dtype=torch.float64))
        return x.requires_grad_(True)

    q, k, v = rand(batch, seq, heads, dk), rand(batch, seq, heads, dk), rand(batch, seq, heads, dv)
    state = torch.randn(batch, heads, dk, dv, generator=gen, dtype=torch.float64).requires_grad_()
    slopes = minimax_decay_rates(heads, layer, 4).double()
    return q, k, v, state, slopes


def _grads(out, final, inputs, seed):
    gen = torch.Generator().manual_seed(seed + 1)
    go = torch.randn(out.shape, generator=gen, dtype=out.dtype)
    gs = torch.randn(final.shape, generator=gen, dtype=final.dtype)
    return torch.autograd.grad((out * go).sum() + (final * gs).sum(), inputs)


def test_decay_rates_match_minimax_formula() -> None:
    rates = minimax_decay_rates(8, layer_idx=2, num_layers=5)
    factor = 1 - 2 / (4 + 1e-5) + 1e-5
    expected = torch.tensor([2 ** (-8 * (h + 1) / 8) * factor for h in range(8)])
    torch.testing.assert_close(rates, expected, rtol=1e-6, atol=0)
    assert rates.dtype == torch.float32
    # the last layer keeps a tiny positive decay instead of none
    assert (minimax_decay_rates(4, 3, 4) > 0).all()
    with pytest.raises(PolicyConfigError):
        minimax_decay_rates(4, 4, 4)


def test_naive_matches_explicit_recurrence() -> None:
    """The reference itself against the spec written as a loop over tokens."""
    q, k, v, state, slopes = _inputs(2, 7, 3, 4, 5, seed=0)
    out, final = lightning_attention_naive(q, k, v, slopes, state)
    lam = torch.exp(-slopes)[:, None, None]
    s = state.clone()
    for t in range(7):
        s = lam * s + k[:, t, :, :, None] * v[:, t, :, None, :]
        o_t = (q[:, t, :, None, :] @ s).squeeze(-2)
        torch.testing.assert_close(out[:, t], o_t)
    torch.testing.assert_close(final, s)


@pytest.mark.parametrize(
    ("seq", "heads", "block"),
    [(1, 1, 4), (16, 2, 4), (37, 3, 8), (64, 4, 64), (100, 2, 256), (129, 8, 32), (50, 16, 7)],
)
@pytest.mark.parametrize("with_state", [False, True])
def test_blockwise_matches_naive_forward_and_grads(seq, heads, block, with_state) -> None:
    q, k, v, state, slopes = _inputs(2, seq, heads, 8, 6, seed=seq * 31 + heads, layer=heads % 4)
    init = state if with_state else None
    ref_o, ref_s = lightning_attention_naive(q, k, v, slopes, init)
    out, final = lightning_attention_blockwise(q, k, v, slopes, init, block_size=block)
    torch.testing.assert_close(out, ref_o, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(final, ref_s, rtol=1e-10, atol=1e-10)
    inputs = (q, k, v, state) if with_state else (q, k, v)
    for got, want, name in zip(
        _grads(out, final, inputs, seq),
        _grads(ref_o, ref_s, inputs, seq),
        "qkvS"[: len(inputs)],
        strict=True,
    ):
        torch.testing.assert_close(got, want, rtol=1e-9, atol=1e-9, msg=f"grad of {name}")


@pytest.mark.parametrize(("seq", "heads"), [(1, 1), (9, 2), (33, 4)])
def test_recurrent_steps_match_naive_forward_and_grads(seq, heads) -> None:
    q, k, v, state, slopes = _inputs(3, seq, heads, 5, 7, seed=seq + heads)
    ref_o, ref_s = lightning_attention_naive(q, k, v, slopes, state)
    s = state
    outs = []
    for t in range(seq):
        o_t, s = lightning_attention_step(q[:, t], k[:, t], v[:, t], slopes, s)
        outs.append(o_t)
    out = torch.stack(outs, dim=1)
    torch.testing.assert_close(out, ref_o, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(s, ref_s, rtol=1e-10, atol=1e-10)
    for got, want, name in zip(
        _grads(out, s, (q, k, v, state), seq),
        _grads(ref_o, ref_s, (q, k, v, state), seq),
        "qkvS",
        strict=True,
    ):
        torch.testing.assert_close(got, want, rtol=1e-9, atol=1e-9, msg=f"grad of {name}")


def test_prefill_then_decode_equals_one_pass() -> None:
    """Block-wise prefill's final state seeds recurrent decoding: the split is invisible."""
    q, k, v, _, slopes = _inputs(2, 40, 4, 8, 8, seed=5)
    full, full_state = lightning_attention_blockwise(q, k, v, slopes, block_size=16)
    head, state = lightning_attention_blockwise(
        q[:, :29], k[:, :29], v[:, :29], slopes, block_size=16
    )
    tail = []
    for t in range(29, 40):
        o_t, state = lightning_attention_step(q[:, t], k[:, t], v[:, t], slopes, state)
        tail.append(o_t)
    torch.testing.assert_close(torch.cat([head, torch.stack(tail, 1)], 1), full)
    torch.testing.assert_close(state, full_state)


def test_half_precision_computes_in_float32() -> None:
    q, k, v, _, slopes = _inputs(1, 20, 2, 8, 8, seed=9)
    ref, _ = lightning_attention_naive(q, k, v, slopes)
    out, state = lightning_attention_blockwise(
        q.bfloat16(), k.bfloat16(), v.bfloat16(), slopes.float(), block_size=8
    )
    assert out.dtype == torch.bfloat16 and state.dtype == torch.float32
    err = (out.double() - ref).norm() / ref.norm()
    assert err < 1e-2


def test_bad_shapes_and_arguments_raise() -> None:
    q, k, v, state, slopes = _inputs(1, 4, 2, 3, 3, seed=1)
    with pytest.raises(ShapeError):
        lightning_attention_naive(q, k[:, :3], v, slopes)
    with pytest.raises(ShapeError):
        lightning_attention_blockwise(q, k, v, slopes[:1])
    with pytest.raises(ShapeError):
        lightning_attention_blockwise(q, k, v, slopes, state[:, :1])
    with pytest.raises(PolicyConfigError):
        lightning_attention_blockwise(q, k, v, slopes, block_size=0)
    with pytest.raises(PolicyConfigError):
        lightning_attention(q, k, v, slopes, backend="fla")  # CPU tensors
    with pytest.raises(ShapeError):
        lightning_attention_step(q[:, 0], k[:, 0], v[:, 0], slopes, state[..., :2])
