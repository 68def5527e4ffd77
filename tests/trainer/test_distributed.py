"""Data parallel over 2 gloo processes on CPU: same gradient as one process, weights in sync."""

from __future__ import annotations

import dataclasses
import os
import socket
from collections.abc import Sequence
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from m1env.policy import ByteTokenizer, HybridMoEForCausalLM
from m1env.trainer.config import EnvWeight, OptimConfig, RLConfig
from m1env.trainer.distributed import all_reduce_grads, global_sum
from m1env.trainer.logprobs import token_logprobs
from m1env.trainer.losses import LOSSES, NORMALISERS
from m1env.trainer.rl import train_rl
from m1env.trainer.scoring import ScoreItem
from m1env.trainer.toy_envs import ADD_ENV_ID, SAT_ENV_ID, register_toy_envs
from m1env.verifiers import Score

from .conftest import TINY

PROMPTS = [[1, 2, 3], [4, 5], [6, 7, 8, 9], [10, 11]]
COMPLETIONS = [[20, 21, 22], [23], [24, 25], [26, 27, 28, 29]]  # unequal lengths on purpose
ADV = torch.tensor([1.0, -0.5, 0.25, -1.0])


def _grads(model: HybridMoEForCausalLM, rows: list[int], loss_name: str, scale: bool) -> None:
    out = token_logprobs(model, [PROMPTS[i] for i in rows], [COMPLETIONS[i] for i in rows])
    old = out.logp.detach() - 0.1  # off-policy: ratios != 1
    loss, _ = LOSSES[loss_name](out.logp, old, ADV[rows], out.mask, eps_low=0.2, eps_high=0.28)
    if scale:
        local = NORMALISERS[loss_name](out.mask)
        loss = loss * (local * 2 / global_sum(local))
    loss.backward()


def _worker(rank: int, port: int, tmp: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=2)
    try:
        for loss_name in ("cispo", "dapo", "grpo"):
            torch.manual_seed(0)
            model = HybridMoEForCausalLM(TINY)
            _grads(model, [rank * 2, rank * 2 + 1], loss_name, scale=True)
            all_reduce_grads(model, 2)
            torch.save([p.grad for p in model.parameters()], f"{tmp}/{loss_name}-rank{rank}.pt")
        register_toy_envs()
        torch.manual_seed(rank)  # different weights per rank: train_rl must broadcast rank 0's
        model = HybridMoEForCausalLM(TINY)
        cfg = RLConfig(
            envs=(EnvWeight(ADD_ENV_ID, difficulty=1),),
            steps=2,
            prompts_per_step=2,
            group_size=2,
            minibatches=1,
            length_stages=((0, 6),),
            optim=OptimConfig(lr=1e-3),
        )
        history = train_rl(model, ByteTokenizer(), cfg, run_dir=f"{tmp}/run")
        assert (len(history) == 2) == (rank == 0)
        torch.save(model.state_dict(), f"{tmp}/weights-rank{rank}.pt")
        dist.barrier()  # no rank tears the group down while the other still talks
    finally:
        dist.destroy_process_group()


def test_two_ranks_match_one_process(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mp.spawn(_worker, args=(port, str(tmp_path)), nprocs=2, join=True)
    for loss_name in ("cispo", "dapo", "grpo"):
        torch.manual_seed(0)
        model = HybridMoEForCausalLM(TINY)
        _grads(model, [0, 1, 2, 3], loss_name, scale=False)
        for rank in (0, 1):
            shard = torch.load(tmp_path / f"{loss_name}-rank{rank}.pt")
            for p, g in zip(model.parameters(), shard, strict=True):
                assert p.grad is not None
                assert torch.allclose(p.grad, g, atol=1e-6), loss_name
    w0 = torch.load(tmp_path / "weights-rank0.pt")
    w1 = torch.load(tmp_path / "weights-rank1.pt")
    assert all(torch.equal(w0[k], w1[k]) for k in w0)
    assert (tmp_path / "run" / "checkpoints" / "step-2").is_dir()


# The MoE load-balancing loss is a statistic of the batch a forward pass sees, so ranks
# compute it over their shards (as Megatron does per micro-batch): only without it is the
# N-rank update exactly the one-process update.
NO_AUX = dataclasses.replace(TINY, router_aux_loss_coef=0.0)


def _invariant_config() -> RLConfig:
    register_toy_envs()
    return RLConfig(
        envs=(
            EnvWeight(ADD_ENV_ID, difficulty=1, kwargs={"split": "train"}),
            EnvWeight(SAT_ENV_ID, difficulty=1, kwargs={"split": "train"}),
        ),
        steps=2,
        prompts_per_step=4,
        group_size=4,
        minibatches=2,
        update_rounds=2,
        length_stages=((0, 8),),
        # M1's eps=1e-15 turns float noise in near-zero gradient entries into full-size Adam
        # steps; a normal eps keeps the two runs' (reduction-order) differences small
        optim=OptimConfig(lr=3e-3, eps=1e-6),
        shard_invariant=True,
        dynamic_sampling=False,
        temperature=1.5,  # varied samples from an untrained policy: nonzero advantages
    )


class ByteSumScorer:
    """Rewards in [0, 1] from the completion's bytes: an untrained policy never answers
    right, and this test needs nonzero advantages, not correct answers."""

    def score(self, items: Sequence[ScoreItem]) -> list[Score]:
        return [Score.incorrect("test", score=sum(it.response.encode()) % 7 / 6) for it in items]


def _invariant_worker(rank: int, port: int, tmp: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=2)
    try:
        torch.manual_seed(0)
        model = HybridMoEForCausalLM(NO_AUX)
        history = train_rl(model, ByteTokenizer(), _invariant_config(), scorer=ByteSumScorer())
        if rank == 0:
            torch.save({"history": history, "weights": model.state_dict()}, f"{tmp}/ddp.pt")
        dist.barrier()
    finally:
        dist.destroy_process_group()


def test_shard_invariant_run_on_two_ranks_repeats_one_process(tmp_path: Path) -> None:
    """Same tasks, same samples, same minibatches: same losses, rewards and weights."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mp.spawn(_invariant_worker, args=(port, str(tmp_path)), nprocs=2, join=True)
    torch.manual_seed(0)
    model = HybridMoEForCausalLM(NO_AUX)
    one = train_rl(model, ByteTokenizer(), _invariant_config(), scorer=ByteSumScorer())
    ddp = torch.load(tmp_path / "ddp.pt")
    assert len(one) == len(ddp["history"]) == 2
    assert any(abs(r["loss"]) > 1e-4 for r in one)  # the updates did something
    for a, b in zip(one, ddp["history"], strict=True):
        assert a["reward"] == pytest.approx(b["reward"], abs=1e-12)  # a mean of means
        assert a["length_mean"] == pytest.approx(b["length_mean"], abs=1e-12)
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-4, abs=1e-6)
        assert a["entropy"] == pytest.approx(b["entropy"], abs=1e-5)
    for k, v in model.state_dict().items():
        assert torch.allclose(v, ddp["weights"][k], atol=1e-5), k
