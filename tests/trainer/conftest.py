from __future__ import annotations

import pytest
import torch

from m1env.policy import ByteTokenizer, HybridMoEForCausalLM, PolicyConfig
from m1env.trainer.config import EnvWeight
from m1env.trainer.toy_envs import ADD_ENV_ID, register_toy_envs

torch.set_num_threads(1)

TINY = PolicyConfig(
    hidden_size=32,
    num_layers=2,
    num_heads=2,
    head_dim=16,
    num_kv_heads=1,
    intermediate_size=32,
    num_experts=2,
    num_experts_per_tok=1,
    softmax_every=2,
    block_size=32,
)


@pytest.fixture
def tiny_model() -> tuple[HybridMoEForCausalLM, ByteTokenizer]:
    torch.manual_seed(0)
    return HybridMoEForCausalLM(TINY), ByteTokenizer()


@pytest.fixture
def add_train() -> tuple[EnvWeight, ...]:
    register_toy_envs()
    return (EnvWeight(ADD_ENV_ID, difficulty=1, kwargs={"split": "train"}),)


@pytest.fixture
def add_eval() -> tuple[EnvWeight, ...]:
    register_toy_envs()
    return (EnvWeight(ADD_ENV_ID, difficulty=1, kwargs={"split": "eval"}),)
