"""Hand-computed values and gradients for every loss, and the CISPO vs PPO-clip difference."""

from __future__ import annotations

import math

import pytest
import torch

from m1env.errors import TrainerConfigError
from m1env.trainer.losses import LOSSES, get_loss

torch.set_num_threads(1)


def _leaf(values: list[list[float]]) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64, requires_grad=True)


def _clipped_case() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    # token 0: r = 0.5/0.25 = 2 (far above 1+eps_high); token 1: r = 1
    logp = _leaf([[math.log(0.5), math.log(0.4)]])
    old = torch.tensor([[math.log(0.25), math.log(0.4)]], dtype=torch.float64)
    return logp, old, torch.tensor([1.0], dtype=torch.float64), torch.ones(1, 2, dtype=torch.bool)


def test_cispo_value_and_gradient_keep_clipped_token() -> None:
    logp, old, adv, mask = _clipped_case()
    loss, stats = LOSSES["cispo"](logp, old, adv, mask, eps_low=1.0, eps_high=0.28)
    expected = -(1.28 * math.log(0.5) + 1.0 * math.log(0.4)) / 2
    assert loss.item() == pytest.approx(expected)
    loss.backward()
    assert logp.grad is not None
    # d/dlogp of -(sg(w) * A * logp)/N = -w*A/N: the clipped token keeps a bounded gradient
    assert logp.grad.flatten().tolist() == pytest.approx([-1.28 / 2, -1.0 / 2])
    assert stats["clip_frac"] == pytest.approx(0.5)
    assert stats["grad_drop_frac"] == 0.0
    assert stats["ratio_max"] == pytest.approx(2.0)


@pytest.mark.parametrize("name", ["dapo", "grpo", "drgrpo", "cispo-mask"])
def test_ppo_clip_family_drops_gradient_of_clipped_token(name: str) -> None:
    logp, old, adv, mask = _clipped_case()
    loss, stats = get_loss(name)(logp, old, adv, mask, eps_low=0.2, eps_high=0.28)
    loss.backward()
    assert logp.grad is not None
    assert logp.grad[0, 0].item() == 0.0
    assert logp.grad[0, 1].item() != 0.0
    assert stats["grad_drop_frac"] == pytest.approx(0.5)


def test_ppo_clip_values() -> None:
    logp, old, adv, mask = _clipped_case()
    loss, _ = LOSSES["dapo"](logp, old, adv, mask, eps_low=0.2, eps_high=0.28)
    # min(2*1, 1.28*1) = 1.28 and min(1, 1) = 1, token mean, negated
    assert loss.item() == pytest.approx(-(1.28 + 1.0) / 2)
    loss.backward()
    assert logp.grad is not None
    # d(r*A)/dlogp = r*A = 1 on the unclipped token
    assert logp.grad.flatten().tolist() == pytest.approx([0.0, -0.5])


def test_negative_advantage_low_ratio_dropped_by_ppo_kept_by_cispo() -> None:
    logp = _leaf([[math.log(0.1)]])
    old = torch.tensor([[math.log(0.5)]], dtype=torch.float64)  # r = 0.2 < 1 - 0.2
    adv = torch.tensor([-1.0], dtype=torch.float64)
    mask = torch.ones(1, 1, dtype=torch.bool)
    loss, _ = LOSSES["dapo"](logp, old, adv, mask, eps_low=0.2, eps_high=0.28)
    loss.backward()
    assert logp.grad is not None and logp.grad.item() == 0.0
    logp2 = _leaf([[math.log(0.1)]])
    loss2, _ = LOSSES["cispo"](logp2, old, adv, mask, eps_low=0.2, eps_high=0.28)
    loss2.backward()
    # weight clipped up to 0.8; gradient = -(0.8 * -1) = 0.8
    assert logp2.grad is not None and logp2.grad.item() == pytest.approx(0.8)


def test_normalisations_differ_on_unequal_lengths() -> None:
    # on-policy (r = 1); sequence 0 has 2 tokens and A=+1, sequence 1 has 1 token and A=-1
    def grads(name: str) -> list[float]:
        logp = _leaf([[-1.0, -2.0], [-0.5, 0.0]])
        old = logp.detach().clone()
        adv = torch.tensor([1.0, -1.0], dtype=torch.float64)
        mask = torch.tensor([[1, 1], [1, 0]], dtype=torch.bool)
        loss, _ = LOSSES[name](logp, old, adv, mask, eps_low=0.2, eps_high=0.2)
        loss.backward()
        assert logp.grad is not None
        return logp.grad.flatten().tolist()

    assert grads("grpo") == pytest.approx([-0.25, -0.25, 0.5, 0.0])  # per-sequence mean
    assert grads("dapo") == pytest.approx([-1 / 3, -1 / 3, 1 / 3, 0.0])  # per-token mean
    assert grads("cispo") == pytest.approx([-1 / 3, -1 / 3, 1 / 3, 0.0])
    assert grads("drgrpo") == pytest.approx([-0.25, -0.25, 0.25, 0.0])  # / (B*T) = 4


def test_padding_never_contributes() -> None:
    logp = _leaf([[-1.0, -5.0]])
    old = torch.tensor([[-1.0, -0.1]], dtype=torch.float64)  # padded token has a wild ratio
    mask = torch.tensor([[1, 0]], dtype=torch.bool)
    for name, fn in LOSSES.items():
        loss, stats = fn(
            logp, old, torch.tensor([1.0], dtype=torch.float64), mask, eps_low=0.2, eps_high=0.2
        )
        assert stats["clip_frac"] == 0.0, name
        assert stats["ratio_max"] == pytest.approx(1.0), name
        assert torch.isfinite(loss), name


def test_bad_shapes_and_names_raise() -> None:
    logp = torch.zeros(2, 3)
    with pytest.raises(TrainerConfigError, match="advantages"):
        LOSSES["cispo"](logp, logp, torch.zeros(3), torch.ones(2, 3), eps_low=1.0, eps_high=0.2)
    with pytest.raises(TrainerConfigError, match="shape"):
        LOSSES["grpo"](
            logp, torch.zeros(2, 2), torch.zeros(2), torch.ones(2, 3), eps_low=0.2, eps_high=0.2
        )
    with pytest.raises(TrainerConfigError, match="unknown loss"):
        get_loss("ppo2")
