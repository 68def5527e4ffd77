"""Lightning attention on fla's chunked simple-GLA Triton kernel (CUDA only).

Lightning attention is simple GLA with a data-independent per-head log decay: fla's
``chunk_simple_gla(q, k, v, g_gamma=-s, scale=1.0)`` computes exactly
``o_t = Σ_{j≤t} e^{-s(t-j)} (q_t·k_j) v_j`` in the same ``[B, T, H, d]`` layout as
:mod:`m1env.policy.ops.lightning`, with an initial state and the final state, and has its own
backward. ``flash-linear-attention`` (package ``fla-core``) is optional: :func:`available`
says whether it imports; nothing here is imported on CPU-only installs.
"""

from __future__ import annotations

import functools

import torch

from m1env.errors import PolicyConfigError

__all__ = ["available", "lightning_attention_fla"]


@functools.cache
def available() -> bool:
    """Whether fla's kernel can run here (fla imports and CUDA is present)."""
    if not torch.cuda.is_available():
        return False
    try:
        from fla.ops.simple_gla import chunk_simple_gla  # noqa: F401
    except Exception:  # any import failure (missing wheel, Triton mismatch) means: not available
        return False
    return True


def lightning_attention_fla(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    slopes: torch.Tensor,
    initial_state: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Same contract as :func:`m1env.policy.ops.lightning.lightning_attention_blockwise`.

    The final state comes back in float32 (fla keeps states in float32 for half inputs).
    """
    try:
        from fla.ops.simple_gla import chunk_simple_gla
    except ImportError as exc:
        raise PolicyConfigError(
            "the 'fla' backend needs flash-linear-attention (pip install fla-core)"
        ) from exc
    g_gamma = -slopes.to(device=q.device, dtype=torch.float32)
    init = initial_state.float() if initial_state is not None else None
    out, final = chunk_simple_gla(
        q, k, v, g_gamma=g_gamma, scale=1.0, initial_state=init, output_final_state=True
    )
    return out, final.float()
