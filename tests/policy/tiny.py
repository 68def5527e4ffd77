"""The tiny policy the tests share: 4 layers (softmax every 2nd), 4 experts, 32 wide."""

from __future__ import annotations

from m1env.policy.config import PolicyConfig

TINY = PolicyConfig(
    hidden_size=32,
    num_layers=4,
    num_heads=4,
    head_dim=8,
    num_kv_heads=2,
    intermediate_size=48,
    num_experts=4,
    softmax_every=2,
    block_size=8,
    initializer_range=0.1,
)
