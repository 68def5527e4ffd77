"""Mixture-of-experts feed-forward: top-k routing over SwiGLU experts.

Router: ``p = softmax(W_r x)`` in float32; the ``k`` largest probabilities are kept and
renormalised to sum to 1; the output is ``Σ_top-k w_e · E_e(x)`` with
``E_e(x) = W_down,e (SiLU(W_gate,e x) ⊙ W_up,e x)``. Weights are stored as in transformers'
MiniMax: ``gate_up_proj [E, 2I, hidden]`` (gate rows first) and ``down_proj [E, hidden, I]``.

Load-balancing loss (Switch Transformer, eq. 4–6): ``E · Σ_e f_e · P_e`` with ``f_e`` the share
of the ``N·k`` routing assignments that went to expert ``e`` and ``P_e`` the mean router
probability of ``e``, over the real (unpadded) tokens. It is 1 for perfectly balanced routing
and ``E`` when every token goes to one expert. (transformers' helper counts ``f_e`` against
``N`` rather than ``N·k`` and so reports ``k`` times this value.)
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from m1env.policy.config import PolicyConfig

__all__ = ["MoEFeedForward", "Routing", "load_balancing_loss", "route"]


@dataclass(frozen=True)
class Routing:
    logits: torch.Tensor  # [N, E] router logits
    probs: torch.Tensor  # [N, E] float32 softmax
    weights: torch.Tensor  # [N, k] renormalised top-k probabilities
    experts: torch.Tensor  # [N, k] expert indices


def route(x: torch.Tensor, router_weight: torch.Tensor, top_k: int) -> Routing:
    """Top-``k`` routing of tokens ``x [N, hidden]`` by ``router_weight [E, hidden]``."""
    logits = F.linear(x, router_weight)
    probs = torch.softmax(logits.float(), dim=-1)
    top, idx = torch.topk(probs, top_k, dim=-1)
    return Routing(logits, probs, top / top.sum(dim=-1, keepdim=True), idx)


def load_balancing_loss(
    routing: Routing, num_experts: int, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """Switch-style balance loss ``E · Σ_e f_e P_e``; ``mask [N]`` selects the tokens counted."""
    probs, experts = routing.probs, routing.experts
    if mask is not None:
        keep = mask.reshape(-1).bool()
        probs, experts = probs[keep], experts[keep]
    if probs.shape[0] == 0:
        return probs.new_zeros(())
    counts = torch.zeros(num_experts, dtype=probs.dtype, device=probs.device)
    counts.scatter_add_(
        0, experts.reshape(-1), torch.ones_like(experts.reshape(-1), dtype=probs.dtype)
    )
    share = counts / experts.numel()
    return num_experts * torch.sum(share * probs.mean(dim=0))


class MoEFeedForward(nn.Module):
    def __init__(self, config: PolicyConfig) -> None:
        super().__init__()
        self.num_experts = config.num_experts
        self.top_k = config.num_experts_per_tok
        hidden, inter = config.hidden_size, config.intermediate_size
        self.router = nn.Parameter(torch.empty(self.num_experts, hidden))
        self.gate_up_proj = nn.Parameter(torch.empty(self.num_experts, 2 * inter, hidden))
        self.down_proj = nn.Parameter(torch.empty(self.num_experts, hidden, inter))

    def expert(self, e: int, x: torch.Tensor) -> torch.Tensor:
        gate, up = F.linear(x, self.gate_up_proj[e]).chunk(2, dim=-1)
        return F.linear(F.silu(gate) * up, self.down_proj[e])

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``x [..., hidden]`` → ``(out [..., hidden], load-balancing loss)``."""
        shape = x.shape
        flat = x.reshape(-1, shape[-1])
        routing = route(flat, self.router, self.top_k)
        out = torch.zeros_like(flat)
        # group the (token, slot) pairs by expert so each expert runs one matmul
        order = routing.experts.reshape(-1).argsort(stable=True)
        counts = torch.bincount(routing.experts.reshape(-1), minlength=self.num_experts).tolist()
        tokens = order // self.top_k
        weights = routing.weights.reshape(-1)[order]
        start = 0
        for e, n in enumerate(counts):
            if n == 0:
                continue
            idx = tokens[start : start + n]
            y = self.expert(e, flat[idx]) * weights[start : start + n, None].to(flat.dtype)
            out.index_add_(0, idx, y)
            start += n
        aux = load_balancing_loss(routing, self.num_experts, mask)
        return out.reshape(shape), aux
