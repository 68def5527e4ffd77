"""Data-parallel RL over several processes (``torchrun``): gloo on CPU, NCCL on GPUs.

Each rank generates and scores its share of the step's prompts (``prompts_per_step / world``,
its own task and sampling seeds), computes its minibatch loss, and gradients are averaged with
an all-reduce before every optimiser step, so all ranks apply the same update and the weights
stay identical (rank 0's are broadcast once at the start). A plain all-reduce is used instead
of wrapping the model in ``DistributedDataParallel`` because the trainer calls the model through
:func:`m1env.trainer.logprobs.token_logprobs`; the arithmetic is the same.

Equal global batch, equal update: a loss normalised over its shard (tokens for CISPO/DAPO,
sequences for GRPO) is rescaled by ``local_norm · world / global_norm`` before the gradient
average, which makes the average equal to the gradient of the loss normalised over the whole
global batch (tested against one process). Dr. GRPO's constant ``B·T`` becomes the sum of the
ranks' ``B·T`` (each rank pads to its own longest completion).

A rank whose groups were all dropped by dynamic sampling still joins every all-reduce with
zero gradients, so no rank waits forever.

Sampling: by default each rank draws its own tasks and samples (seeds include the rank), so
N ranks match one process in distribution. ``RLConfig.shard_invariant`` makes them match
sample for sample (tasks and seeds per global group, one global minibatch order); then two
things still separate the runs, both measured (tests/trainer/test_distributed.py, the 2-GPU
run in docs/benchmarks.md): the MoE load-balancing loss is a statistic of the batch each
forward sees, so it is computed per shard (as Megatron does per micro-batch); and float
reduction order differs, which M1's AdamW ``eps=1e-15`` amplifies in gradient entries near
zero into full-size steps, until sampled tokens eventually differ.
"""

from __future__ import annotations

import torch
import torch.distributed as dist

from m1env import settings

__all__ = [
    "all_reduce_grads",
    "broadcast_params",
    "global_sum",
    "global_sums",
    "init_from_env",
    "rank_world",
]


def rank_world() -> tuple[int, int]:
    """``(rank, world_size)``; ``(0, 1)`` when no process group is running."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def init_from_env() -> bool:
    """Join the process group torchrun describes (``WORLD_SIZE`` > 1); True if distributed."""
    if (settings.WORLD_SIZE.get_int() or 1) <= 1 or not dist.is_available():
        return False
    if not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend=backend)
        if backend == "nccl":
            torch.cuda.set_device(settings.LOCAL_RANK.get_int() or 0)
    return True


def broadcast_params(model: torch.nn.Module) -> None:
    """Make every rank's weights rank 0's."""
    for p in model.parameters():
        dist.broadcast(p.data, src=0)


def all_reduce_grads(model: torch.nn.Module, world: int) -> None:
    """Average gradients over ranks; a missing gradient counts as zeros."""
    for p in model.parameters():
        if p.grad is None:
            p.grad = torch.zeros_like(p)
        dist.all_reduce(p.grad, op=dist.ReduceOp.SUM)
        p.grad.div_(world)


def _device() -> torch.device:
    # NCCL reduces only CUDA tensors; gloo only CPU ones
    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def global_sums(values: list[float]) -> list[float]:
    """Element-wise sums over ranks, in one all-reduce."""
    t = torch.tensor([float(v) for v in values], dtype=torch.float64, device=_device())
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return [float(v) for v in t.tolist()]


def global_sum(value: float) -> float:
    return global_sums([value])[0]
