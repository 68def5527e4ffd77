"""Lightning attention (MiniMax-01's linear attention with a per-head exponential decay).

For one head with decay rate ``s > 0`` (the decay factor per token is ``λ = e^{-s}``) and an
optional initial state ``S₀ ∈ R^{d_k×d_v}``, the output at position ``t`` is::

    o_t = Σ_{j ≤ t} λ^{t-j} (q_t · k_j) v_j  +  λ^{t+1} q_t S₀

and the state after ``T`` tokens is ``S_T = λ^T S₀ + Σ_j λ^{T-1-j} k_jᵀ v_j``. There is no
softmax, no ``1/√d`` scale and no positional encoding: the decay alone orders the tokens.
The token ``t`` itself enters its own output with weight 1, exactly as in MiniMax's code.

Three forms compute the same function:

* :func:`lightning_attention_naive` — the quadratic reference, ``O(T²)``; the spec above.
* :func:`lightning_attention_blockwise` — MiniMax's block-wise form: inside a block of ``C``
  tokens the masked decayed product ``(QKᵀ ⊙ M) V``; across blocks the ``d_k×d_v`` state.
  ``O(T·C·d + T·d²)``; any block size; ``T`` need not be a multiple of ``C``.
* :func:`lightning_attention_step` — the recurrent one-token update for decoding,
  ``S ← λ S + kᵀ v``, ``o = q S``; its cost does not depend on how many tokens came before.

All three are plain differentiable PyTorch; gradients flow to ``q``, ``k``, ``v`` and the initial
state. Tensors follow fla's layout: ``q, k: [B, T, H, d_k]``, ``v: [B, T, H, d_v]``, states
``[B, H, d_k, d_v]``, decay rates ``[H]``. Half-precision inputs are computed in float32 and
the output is cast back; the returned state is float32 then.

:func:`lightning_attention` dispatches: on CUDA with ``flash-linear-attention`` installed it runs
fla's chunked simple-GLA kernel (see :mod:`m1env.policy.ops.fla_backend`), else the block-wise form.
"""

from __future__ import annotations

import math
from typing import Literal

import torch

from m1env.errors import PolicyConfigError, ShapeError

__all__ = [
    "Backend",
    "lightning_attention",
    "lightning_attention_blockwise",
    "lightning_attention_naive",
    "lightning_attention_step",
    "minimax_decay_rates",
]

Backend = Literal["auto", "torch", "fla"]


def minimax_decay_rates(num_heads: int, layer_idx: int = 0, num_layers: int = 1) -> torch.Tensor:
    """MiniMax's per-head decay rates ``s_h`` for layer ``layer_idx`` of ``num_layers``, shape ``[H]``.

    ``s_h = 2^(-8(h+1)/H) · (1 - l/(L-1+1e-5) + 1e-5)``: the head term is ALiBi's slope schedule;
    the layer term (taken verbatim from transformers' ``MiniMaxLightningAttention.get_slope_rate``,
    with its ``1e-5`` inside the denominator) makes deep layers decay slowly and so see far back.
    Computed in float32 exactly as transformers does, so converted models match bit for bit.
    """
    if num_heads < 1:
        raise PolicyConfigError(f"num_heads must be >= 1, got {num_heads}")
    if num_layers < 1 or not 0 <= layer_idx < num_layers:
        raise PolicyConfigError(
            f"need 0 <= layer_idx < num_layers, got {layer_idx} and {num_layers}"
        )
    base = 1 / (2 ** (8 / num_heads))
    exponent = torch.arange(num_heads) + 1
    factor = 1 - layer_idx / (num_layers - 1 + 1e-5) + 1e-5
    return (base**exponent) * factor


def _compute_dtype(x: torch.Tensor) -> torch.dtype:
    return torch.float32 if x.dtype in (torch.float16, torch.bfloat16) else x.dtype


def _check(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    slopes: torch.Tensor,
    initial_state: torch.Tensor | None,
) -> None:
    if q.dim() != 4 or k.shape != q.shape or v.dim() != 4 or v.shape[:3] != q.shape[:3]:
        raise ShapeError(
            "expected q, k [B, T, H, d_k] and v [B, T, H, d_v]; got "
            f"{tuple(q.shape)}, {tuple(k.shape)}, {tuple(v.shape)}"
        )
    batch, _, heads, dk = q.shape
    if slopes.shape != (heads,):
        raise ShapeError(f"decay rates must have shape [{heads}], got {tuple(slopes.shape)}")
    if initial_state is not None and initial_state.shape != (batch, heads, dk, v.shape[-1]):
        raise ShapeError(
            f"initial_state must have shape {(batch, heads, dk, v.shape[-1])}, "
            f"got {tuple(initial_state.shape)}"
        )


def lightning_attention_naive(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    slopes: torch.Tensor,
    initial_state: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The quadratic reference. Returns ``(o [B, T, H, d_v], final_state [B, H, d_k, d_v])``."""
    _check(q, k, v, slopes, initial_state)
    dtype = _compute_dtype(q)
    qh, kh, vh = (x.transpose(1, 2).to(dtype) for x in (q, k, v))  # [B, H, T, d]
    seq = q.shape[1]
    s = slopes.to(device=q.device, dtype=dtype)[:, None, None]
    pos = torch.arange(seq, device=q.device, dtype=dtype)
    dist = pos[:, None] - pos[None, :]
    # -inf above the diagonal so that exp() gives an exact 0 with a 0 gradient
    decay = torch.exp(torch.where(dist >= 0, -s * dist, torch.full_like(dist, -math.inf)))
    out = (qh @ kh.transpose(-1, -2) * decay) @ vh
    s1 = s[:, :, 0]  # [H, 1]
    key_weight = torch.exp(-s1 * (seq - 1 - pos))[..., None]  # [H, T, 1]
    final = (kh * key_weight).transpose(-1, -2) @ vh
    if initial_state is not None:
        state0 = initial_state.to(dtype)
        out = out + (qh * torch.exp(-s1 * (pos + 1))[..., None]) @ state0
        final = final + torch.exp(-s * seq) * state0
    return out.transpose(1, 2).to(q.dtype), final


def lightning_attention_blockwise(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    slopes: torch.Tensor,
    initial_state: torch.Tensor | None = None,
    block_size: int = 256,
) -> tuple[torch.Tensor, torch.Tensor]:
    """MiniMax's block-wise form. Returns ``(o [B, T, H, d_v], final_state [B, H, d_k, d_v])``.

    The sequence is cut into blocks of ``block_size``; the last one may be shorter, and its own
    length (not ``block_size``) sets its decays so the final state is exact. All blocks' intra
    products run as one batched matmul; only the ``d_k×d_v`` state update loops over blocks.
    """
    _check(q, k, v, slopes, initial_state)
    if block_size < 1:
        raise PolicyConfigError(f"block_size must be >= 1, got {block_size}")
    batch, seq, heads, dk = q.shape
    dv = v.shape[-1]
    dtype = _compute_dtype(q)
    dev = q.device
    state = (
        initial_state.to(dtype)
        if initial_state is not None
        else torch.zeros(batch, heads, dk, dv, device=dev, dtype=dtype)
    )
    if seq == 0:
        return q.new_zeros(batch, 0, heads, dv), state
    block = min(block_size, seq)
    nblocks = -(-seq // block)
    pad = nblocks * block - seq

    def blocks(x: torch.Tensor) -> torch.Tensor:  # [B, T, H, d] -> [B, H, n, C, d]
        x = x.to(dtype)
        if pad:
            x = torch.nn.functional.pad(x, (0, 0, 0, 0, 0, pad))
        return x.view(batch, nblocks, block, heads, -1).permute(0, 3, 1, 2, 4)

    qb, kb, vb = blocks(q), blocks(k), blocks(v)
    s = slopes.to(device=dev, dtype=dtype)
    pos = torch.arange(block, device=dev, dtype=dtype)
    dist = pos[:, None] - pos[None, :]
    intra_decay = torch.exp(
        torch.where(dist >= 0, -s[:, None, None] * dist, torch.full_like(dist, -math.inf))
    )  # [H, C, C]
    out = (qb @ kb.transpose(-1, -2) * intra_decay[:, None]) @ vb  # [B, H, n, C, dv]

    # Length of each block: all full except perhaps the last.
    lengths = torch.full((nblocks,), float(block), device=dev, dtype=dtype)
    lengths[-1] = block - pad
    # key j of block i reaches the block's end state with weight λ^(len_i - 1 - j); padded keys 0
    key_exp = lengths[:, None] - 1 - pos[None, :]  # [n, C]
    key_decay = torch.exp(
        torch.where(key_exp >= 0, -s[:, None, None] * key_exp, torch.full_like(key_exp, -math.inf))
    )  # [H, n, C]
    block_kv = (kb * key_decay[..., None]).transpose(-1, -2) @ vb  # [B, H, n, dk, dv]
    block_decay = torch.exp(-s[:, None] * lengths)[..., None, None]  # [H, n, 1, 1]

    before = []
    for i in range(nblocks):
        before.append(state)
        state = state * block_decay[:, i] + block_kv[:, :, i]
    states = torch.stack(before, dim=2)  # [B, H, n, dk, dv]: state entering each block
    query_decay = torch.exp(-s[:, None] * (pos + 1))[:, None, :, None]  # [H, 1, C, 1]
    out = out + (qb * query_decay) @ states

    out = out.permute(0, 2, 3, 1, 4).reshape(batch, nblocks * block, heads, dv)[:, :seq]
    return out.to(q.dtype), state


def lightning_attention_step(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    slopes: torch.Tensor,
    state: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One decoding step: ``S ← λ S + kᵀ v``, ``o = q S``.

    ``q, k: [B, H, d_k]``, ``v: [B, H, d_v]``, ``state: [B, H, d_k, d_v]``.
    Returns ``(o [B, H, d_v], new_state)``.
    """
    if q.dim() != 3 or k.shape != q.shape or v.dim() != 3 or v.shape[:2] != q.shape[:2]:
        raise ShapeError(
            "expected q, k [B, H, d_k] and v [B, H, d_v]; got "
            f"{tuple(q.shape)}, {tuple(k.shape)}, {tuple(v.shape)}"
        )
    if state.shape != (*q.shape, v.shape[-1]):
        raise ShapeError(
            f"state must have shape {(*q.shape, v.shape[-1])}, got {tuple(state.shape)}"
        )
    if slopes.shape != (q.shape[1],):
        raise ShapeError(f"decay rates must have shape [{q.shape[1]}], got {tuple(slopes.shape)}")
    dtype = _compute_dtype(q)
    lam = torch.exp(-slopes.to(device=q.device, dtype=dtype))[:, None, None]
    new_state = lam * state.to(dtype) + k.to(dtype)[..., :, None] * v.to(dtype)[..., None, :]
    out = (q.to(dtype)[..., None, :] @ new_state).squeeze(-2)
    return out.to(q.dtype), new_state


def lightning_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    slopes: torch.Tensor,
    initial_state: torch.Tensor | None = None,
    block_size: int = 256,
    backend: Backend = "auto",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Block-wise lightning attention on the fastest available backend.

    ``backend="auto"`` uses fla's kernel for CUDA tensors when ``fla`` imports, and the torch
    block-wise form otherwise (the CPU default); ``"torch"`` and ``"fla"`` force one.
    """
    if backend not in ("auto", "torch", "fla"):
        raise PolicyConfigError(f"backend must be 'auto', 'torch' or 'fla', got {backend!r}")
    if backend != "torch" and q.is_cuda:
        from m1env.policy.ops import fla_backend

        if backend == "fla" or fla_backend.available():
            return fla_backend.lightning_attention_fla(q, k, v, slopes, initial_state)
    elif backend == "fla":
        raise PolicyConfigError("backend 'fla' needs CUDA tensors")
    return lightning_attention_blockwise(q, k, v, slopes, initial_state, block_size)
