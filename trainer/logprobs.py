"""Trainer-side log-probs of given completions, with entropy and the MoE auxiliary loss.

Same quantity as :func:`m1env.policy.completion_logprobs` (tested to agree), from one forward pass
that also yields what the update needs: the per-token entropy of the policy (a diagnostic)
and the router load-balancing loss (added with ``config.router_aux_loss_coef``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from m1env.errors import TrainerConfigError
from m1env.policy import HybridMoEForCausalLM

__all__ = ["TokenLogprobs", "token_logprobs"]


@dataclass
class TokenLogprobs:
    logp: torch.Tensor  # [B, C] log π(completion token), 0 on padding; has gradients
    mask: torch.Tensor  # [B, C] bool, true on real completion tokens
    entropy: torch.Tensor  # [B, C] entropy of π at each completion position (detached)
    aux_loss: torch.Tensor  # scalar MoE load-balancing loss (with gradients)


def token_logprobs(
    model: HybridMoEForCausalLM,
    prompt_ids: Sequence[Sequence[int]],
    completion_ids: Sequence[Sequence[int]],
    *,
    temperature: float = 1.0,
) -> TokenLogprobs:
    if len(prompt_ids) != len(completion_ids) or not prompt_ids:
        raise TrainerConfigError("need one completion per prompt and a non-empty batch")
    if any(len(p) == 0 for p in prompt_ids) or any(len(c) == 0 for c in completion_ids):
        raise TrainerConfigError("every prompt and every completion needs at least one token")
    dev = model.device
    rows = [list(p) + list(c) for p, c in zip(prompt_ids, completion_ids, strict=True)]
    width, longest = max(len(r) for r in rows), max(len(c) for c in completion_ids)
    ids = torch.zeros((len(rows), width), dtype=torch.long)
    attn = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):  # right padding: causal layers never see it from real tokens
        ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
        attn[i, : len(r)] = 1
    ids, attn = ids.to(dev), attn.to(dev)
    out = model(ids, attention_mask=attn)
    # completion token j of row i is predicted at position len(prompt_i) - 1 + j
    starts = torch.tensor([len(p) - 1 for p in prompt_ids], device=dev)
    offs = torch.arange(longest, device=dev)
    pos = (starts[:, None] + offs[None, :]).clamp(max=width - 1)  # [B, C]
    lens = torch.tensor([len(c) for c in completion_ids], device=dev)
    mask = offs[None, :] < lens[:, None]  # [B, C]
    picked = out.logits.gather(1, pos[..., None].expand(-1, -1, out.logits.shape[-1]))
    logp_all = torch.log_softmax(picked.float() / (temperature or 1.0), dim=-1)  # [B, C, V]
    targets = ids.gather(1, (pos + 1).clamp(max=width - 1))  # [B, C]
    logp = logp_all.gather(-1, targets[..., None]).squeeze(-1).masked_fill(~mask, 0.0)
    with torch.no_grad():
        entropy = -(logp_all.exp() * logp_all).sum(-1).masked_fill(~mask, 0.0)
    return TokenLogprobs(logp, mask, entropy, out.aux_loss)
