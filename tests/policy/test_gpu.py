"""GPU path: fla's kernel (what ``lightning_attention`` picks on CUDA) against the torch form."""

from __future__ import annotations

import pytest
import torch

from m1env.policy.ops import lightning_attention, lightning_attention_blockwise, minimax_decay_rates

pytestmark = pytest.mark.gpu

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.double() - b.double()).norm() / b.double().norm().clamp_min(1e-30))


@needs_cuda
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize(("seq", "heads", "dim"), [(64, 4, 64), (1000, 8, 128), (4097, 16, 128)])
def test_fla_matches_torch_forward_and_grads(seq, heads, dim, dtype) -> None:
    from m1env.policy.ops import fla_backend

    assert fla_backend.available(), "fla must import on the GPU machine"
    gen = torch.Generator(device="cuda").manual_seed(seq)

    # SiLU'd, then scaled so outputs stay O(1) over long sequences, as after the real projection
    def rand(*shape: int) -> torch.Tensor:
        return (
            torch.nn.functional.silu(torch.randn(*shape, device="cuda", generator=gen)) / dim**0.5
        ).to(dtype)

    q, k, v = rand(2, seq, heads, dim), rand(2, seq, heads, dim), rand(2, seq, heads, dim)
    state = torch.randn(2, heads, dim, dim, device="cuda", generator=gen) * 0.1
    slopes = minimax_decay_rates(heads, 1, 4).cuda()
    leaves = [t.detach().float().requires_grad_() for t in (q, k, v, state)]
    ql, kl, vl, sl = leaves
    ref_o, ref_s = lightning_attention_blockwise(ql, kl, vl, slopes, sl, block_size=256)
    fast_in = [t.detach().clone().requires_grad_() for t in (q, k, v)] + [
        state.detach().clone().requires_grad_()
    ]
    qf, kf, vf, sf = fast_in
    o, s = lightning_attention(qf, kf, vf, slopes, sf)  # backend auto -> fla on CUDA
    assert o.dtype == dtype and s.dtype == torch.float32
    tol = 2e-3 if dtype == torch.float32 else 2e-2
    assert _rel(o, ref_o) < tol and _rel(s, ref_s) < tol
    go = torch.randn_like(ref_o)
    gs = torch.randn_like(ref_s)
    ref_grads = torch.autograd.grad((ref_o * go).sum() + (ref_s * gs).sum(), leaves)
    grads = torch.autograd.grad((o.float() * go).sum() + (s * gs).sum(), fast_in)
    for name, g, r in zip("qkvS", grads, ref_grads, strict=True):
        assert _rel(g, r) < tol * 2, f"grad {name}: {_rel(g, r)}"


@needs_cuda
def test_model_on_cuda_matches_torch_backend() -> None:
    from m1env.policy import HybridMoEForCausalLM, PolicyConfig

    cfg = PolicyConfig(num_layers=8, hidden_size=256, num_heads=4, head_dim=64, block_size=64)
    torch.manual_seed(0)
    fast = HybridMoEForCausalLM(cfg, backend="auto").cuda().eval()
    slow = HybridMoEForCausalLM(cfg, backend="torch").cuda().eval()
    slow.load_state_dict(fast.state_dict())
    ids = torch.randint(0, cfg.vocab_size, (2, 700), device="cuda")
    with torch.no_grad():
        assert _rel(fast(ids).logits, slow(ids).logits) < 1e-3


@needs_cuda
def test_generation_on_cuda_agrees_with_completion_logprobs() -> None:
    """The whole GPU path: fla prefill, recurrent decode steps, KV cache, sampling on device."""
    from m1env.policy import (
        ByteTokenizer,
        GenerationConfig,
        HybridMoEForCausalLM,
        PolicyConfig,
        Prompt,
        completion_logprobs,
        generate,
    )

    cfg = PolicyConfig(num_layers=8, hidden_size=256, num_heads=4, head_dim=64, block_size=64)
    torch.manual_seed(0)
    model = HybridMoEForCausalLM(cfg).cuda().eval()
    tok = ByteTokenizer()
    prompts: list[Prompt] = ["x" * 300, "Hello there", [{"role": "user", "content": "2+2?"}]]
    gens = generate(
        model, tok, prompts, GenerationConfig(max_new_tokens=32, temperature=0.8, seed=0)
    )
    with torch.no_grad():
        lp, mask = completion_logprobs(
            model, [g.prompt_token_ids for g in gens], [g.token_ids for g in gens], temperature=0.8
        )
    for row, g in enumerate(gens):
        n = len(g.token_ids)
        assert n >= 1 and int(mask[row].sum()) == n
        got = lp[row, :n].cpu()
        assert torch.allclose(got, torch.tensor(g.logprobs), atol=2e-3), (got, g.logprobs)
