from __future__ import annotations

import math

import pytest
import torch

from m1env.errors import TrainerConfigError
from m1env.trainer.advantages import ADVANTAGES, drgrpo_advantages, grpo_advantages


def test_grpo_std_normalised() -> None:
    adv = grpo_advantages(torch.tensor([[1.0, 0.0, 0.0, 0.0]]))
    std = math.sqrt(0.75**2 / 4 + 3 * 0.25**2 / 4)
    assert adv.tolist()[0] == pytest.approx(
        [0.75 / std, -0.25 / std, -0.25 / std, -0.25 / std], rel=1e-5
    )


def test_drgrpo_mean_only() -> None:
    adv = drgrpo_advantages(torch.tensor([1.0, 0.0, 0.0, 0.0, 1.0, 1.0]), group_size=3)
    assert adv.tolist() == pytest.approx([2 / 3, -1 / 3, -1 / 3, -2 / 3, 1 / 3, 1 / 3])


def test_zero_variance_groups_get_zero() -> None:
    for fn in ADVANTAGES.values():
        assert fn(torch.tensor([[1.0, 1.0], [0.0, 0.0]])).abs().max().item() == 0.0


def test_flat_needs_group_size() -> None:
    with pytest.raises(TrainerConfigError):
        grpo_advantages(torch.tensor([1.0, 0.0, 1.0]), group_size=2)
    with pytest.raises(TrainerConfigError):
        grpo_advantages(torch.tensor([1.0, 0.0]))
