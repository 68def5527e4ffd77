"""MoE routing, expert mixing and the load-balancing loss against hand-computed values."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from m1env.policy.config import PolicyConfig
from m1env.policy.layers.moe import MoEFeedForward, load_balancing_loss, route


def _moe() -> MoEFeedForward:
    cfg = PolicyConfig(
        hidden_size=2,
        intermediate_size=1,
        num_experts=3,
        num_experts_per_tok=2,
        num_heads=1,
        num_kv_heads=1,
        head_dim=2,
        num_layers=1,
    )
    moe = MoEFeedForward(cfg)
    with torch.no_grad():
        # logits for x = [1, 0] are ln(1), ln(2), ln(3): probabilities 1/6, 2/6, 3/6
        moe.router.copy_(
            torch.tensor([[0.0, math.log(3)], [math.log(2), math.log(2)], [math.log(3), 0.0]])
        )
        # expert e: gate = (e+1)·x₀, up = x₀ + x₁, down = 10^e  ->  E_e(x) = 10^e·silu((e+1)x₀)(x₀+x₁)·[1, -1]
        for e in range(3):
            moe.gate_up_proj[e] = torch.tensor([[e + 1.0, 0.0], [1.0, 1.0]])
            moe.down_proj[e] = torch.tensor([[10.0**e], [-(10.0**e)]])
    return moe


def test_routing_keeps_top_k_and_renormalises() -> None:
    moe = _moe()
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0]])  # second token: logits ln3, ln2, ln1 -> reversed
    r = route(x, moe.router, 2)
    torch.testing.assert_close(r.probs[0], torch.tensor([1 / 6, 2 / 6, 3 / 6]))
    assert r.experts.tolist() == [[2, 1], [0, 1]]
    torch.testing.assert_close(r.weights, torch.tensor([[0.6, 0.4], [0.6, 0.4]]))


def test_moe_output_is_weighted_sum_of_chosen_experts() -> None:
    moe = _moe()
    x = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]])
    out, _ = moe(x)

    def expert(e: int, v: torch.Tensor) -> torch.Tensor:
        return 10.0**e * F.silu((e + 1) * v[0]) * (v[0] + v[1]) * torch.tensor([1.0, -1.0])

    want0 = 0.6 * expert(2, x[0, 0]) + 0.4 * expert(1, x[0, 0])
    want1 = 0.6 * expert(0, x[0, 1]) + 0.4 * expert(1, x[0, 1])
    torch.testing.assert_close(out[0], torch.stack([want0, want1]))
    # token 1 has x₀ = 0: every expert's gate is silu(0) = 0
    assert out[0, 1].abs().max() == 0


@pytest.mark.parametrize(
    ("tokens", "expected"),
    [
        # assignments {2,1} and {0,1}: shares (1/4, 1/2, 1/4); mean probs all 1/3 -> 3·(1/3) = 1
        ([[1.0, 0.0], [0.0, 1.0]], 1.0),
        # both tokens pick {2,1}: shares (0, 1/2, 1/2); probs (1/6, 2/6, 3/6) -> 3·(1/6 + 1/4) = 1.25
        ([[1.0, 0.0], [1.0, 0.0]], 1.25),
    ],
)
def test_load_balancing_loss_hand_computed(tokens, expected) -> None:
    moe = _moe()
    r = route(torch.tensor(tokens), moe.router, 2)
    assert load_balancing_loss(r, 3).item() == pytest.approx(expected, abs=1e-6)


def test_load_balancing_loss_ignores_masked_tokens_and_has_router_gradient() -> None:
    moe = _moe()
    x = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]])
    _, aux = moe(x, torch.tensor([[True, False]]))
    # only token 0: shares (0, 1/2, 1/2), probs (1/6, 2/6, 3/6) -> 1.25
    assert aux.item() == pytest.approx(1.25, abs=1e-6)
    aux.backward()
    assert moe.router.grad is not None and moe.router.grad.abs().sum() > 0
