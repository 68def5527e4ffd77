"""Data parallel over 2 gloo processes on CPU: same gradient as one process, weights in sync."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from policy import ByteTokenizer, HybridMoEForCausalLM
from trainer.config import EnvWeight, OptimConfig, RLConfig
from trainer.distributed import all_reduce_grads, global_sum
from trainer.logprobs import token_logprobs
from trainer.losses import LOSSES, NORMALISERS
from trainer.rl import train_rl
from trainer.tasks import ADD_ENV_ID, register_tasks

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
        register_tasks()
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
