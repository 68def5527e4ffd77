"""SFT warm start on the worked solutions the task generators write.

Each step draws ``batch_size`` fresh training tasks from the mixture and minimises the mean
token negative log-likelihood of ``env.example_response(task)`` followed by ``<|im_end|>``
(so the model learns to stop), given the chat-templated prompt. Tasks whose generator writes
no solution fall back to the bare ``<answer>reference</answer>``, which the verifier accepts.
As in M1, the point is a policy that sometimes succeeds, so RL has signal from step one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch

from m1env.policy import ByteTokenizer, HybridMoEForCausalLM
from m1env.trainer.config import OptimConfig, SFTConfig
from m1env.trainer.logprobs import token_logprobs
from m1env.trainer.rollout import TaskSampler

__all__ = ["make_optimizer", "sft_batch", "train_sft"]


def make_optimizer(model: torch.nn.Module, optim: OptimConfig) -> torch.optim.AdamW:
    return torch.optim.AdamW(
        model.parameters(),
        lr=optim.lr,
        betas=optim.betas,
        eps=optim.eps,
        weight_decay=optim.weight_decay,
    )


def sft_batch(
    sampler: TaskSampler, tokenizer: ByteTokenizer, size: int
) -> tuple[list[list[int]], list[list[int]]]:
    prompts, targets = [], []
    for _ in range(size):
        task = sampler.sample()
        env = sampler.env_of(task)
        prompts.append(tokenizer.apply_chat_template(task.prompt))
        targets.append([*tokenizer.encode(env.example_response(task)), tokenizer.im_end_id])
    return prompts, targets


def train_sft(
    model: HybridMoEForCausalLM,
    tokenizer: ByteTokenizer,
    config: SFTConfig,
    *,
    log: Callable[[dict[str, Any]], None] = lambda record: None,
) -> list[dict[str, Any]]:
    """Train in place; returns the logged records (loss, token accuracy) every ``log_every``."""
    sampler = TaskSampler(config.envs, seed=config.seed)
    opt = make_optimizer(model, config.optim)
    model.train()
    history = []
    t0 = time.perf_counter()
    for step in range(1, config.steps + 1):
        prompts, targets = sft_batch(sampler, tokenizer, config.batch_size)
        out = token_logprobs(model, prompts, targets)
        m = out.mask.float()
        nll = -(out.logp * m).sum() / m.sum()
        loss = nll + model.config.router_aux_loss_coef * out.aux_loss
        for group in opt.param_groups:
            group["lr"] = config.optim.lr_at(step - 1, config.steps)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), config.optim.grad_clip)
        opt.step()
        if step % config.log_every == 0 or step == config.steps:
            record = {
                "phase": "sft",
                "step": step,
                "loss": float(nll.detach()),
                "grad_norm": float(grad_norm),
                "elapsed_s": round(time.perf_counter() - t0, 2),
            }
            history.append(record)
            log(record)
    model.eval()
    return history
