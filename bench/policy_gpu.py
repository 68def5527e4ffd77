"""GPU benchmark: lightning attention (fla kernel and our torch block-wise form) vs SDPA (flash).

B=1, H=16, D=128, bf16, lengths 2K..64K; forward and forward+backward; median of
``triton.testing.do_bench``. Also measures the card's bf16 matmul rate (8192³) and
device-to-device copy bandwidth so TFLOP/s can be read against a measured peak.

FLOP counts (useful work, causal halves counted once):
  softmax attention fwd  = 4·B·H·T²·D / 2            (QKᵀ and PV over the causal triangle)
  lightning (chunk C)    = B·H·(4·T·C·D/2 + 4·T·D²)   (intra-chunk triangle + state in/out)
  backward ≈ 2.5× forward for both (the usual convention for attention).

Run: ``python bench/policy_gpu.py [--out results.json] [--quick]``
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from m1env.policy.ops import fla_backend, minimax_decay_rates
from m1env.policy.ops.lightning import lightning_attention_blockwise


def bench(fn, warmup: int = 25, rep: int = 100) -> float:
    from triton.testing import do_bench

    return float(do_bench(fn, warmup=warmup, rep=rep, return_mode="median"))


def peaks() -> dict[str, float]:
    a = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
    ms = bench(lambda: a @ b)
    x = torch.empty(2**30 // 2, device="cuda", dtype=torch.bfloat16).normal_()
    y = torch.empty_like(x)
    ms_copy = bench(lambda: y.copy_(x))
    return {"matmul_tflops": 2 * 8192**3 / ms / 1e9, "copy_tb_s": 2 * x.numel() * 2 / ms_copy / 1e9}


def measure(T: int, B: int, H: int, D: int, slopes: torch.Tensor) -> dict[str, float]:
    dev = slopes.device
    q, k, v = (
        (F.silu(torch.randn(B, T, H, D, device=dev)) / D**0.5).to(torch.bfloat16).requires_grad_()
        for _ in range(3)
    )
    qh, kh, vh = (t.detach().transpose(1, 2).contiguous().requires_grad_() for t in (q, k, v))
    do = torch.randn(B, T, H, D, device=dev, dtype=torch.bfloat16)
    doh = do.transpose(1, 2).contiguous()

    def fla_fwd():
        return fla_backend.lightning_attention_fla(q, k, v, slopes)[0]

    def fla_fb():
        o = fla_fwd()
        torch.autograd.grad(o, (q, k, v), do)

    def torch_fwd():
        return lightning_attention_blockwise(q, k, v, slopes, block_size=256)[0]

    def torch_fb():
        o = torch_fwd()
        torch.autograd.grad(o, (q, k, v), do)

    def sdpa_fwd():
        return F.scaled_dot_product_attention(qh, kh, vh, is_causal=True)

    def sdpa_fb():
        o = sdpa_fwd()
        torch.autograd.grad(o, (qh, kh, vh), doh)

    res: dict[str, float] = {"T": T}
    # torch's own pick (cuDNN attention on Hopper when available) as a second, faster peer
    with torch.nn.attention.sdpa_kernel(
        [
            torch.nn.attention.SDPBackend.CUDNN_ATTENTION,
            torch.nn.attention.SDPBackend.FLASH_ATTENTION,
        ]
    ):
        res["sdpa_cudnn_fwd"] = bench(sdpa_fwd, warmup=10, rep=50)
        res["sdpa_cudnn_fwdbwd"] = bench(sdpa_fb, warmup=10, rep=50)
    with torch.nn.attention.sdpa_kernel(torch.nn.attention.SDPBackend.FLASH_ATTENTION):
        for name, fn in (
            ("fla_fwd", fla_fwd),
            ("fla_fwdbwd", fla_fb),
            ("sdpa_fwd", sdpa_fwd),
            ("sdpa_fwdbwd", sdpa_fb),
            ("torch_fwd", torch_fwd),
            ("torch_fwdbwd", torch_fb),
        ):
            try:
                res[name] = bench(fn, warmup=10, rep=50 if "torch" not in name else 20)
            except torch.OutOfMemoryError:
                res[name] = float("nan")
            torch.cuda.empty_cache()
    lin_flops = B * H * (4 * T * 64 * D / 2 + 4 * T * D * D)  # fla's chunk is 64
    sm_flops = 4 * B * H * T * T * D / 2
    res["fla_fwd_tflops"] = lin_flops / res["fla_fwd"] / 1e9
    res["fla_fwdbwd_tflops"] = 3.5 * lin_flops / res["fla_fwdbwd"] / 1e9
    res["sdpa_fwd_tflops"] = sm_flops / res["sdpa_fwd"] / 1e9
    res["sdpa_fwdbwd_tflops"] = 3.5 * sm_flops / res["sdpa_fwdbwd"] / 1e9
    res["sdpa_cudnn_fwd_tflops"] = sm_flops / res["sdpa_cudnn_fwd"] / 1e9
    res["sdpa_cudnn_fwdbwd_tflops"] = 3.5 * sm_flops / res["sdpa_cudnn_fwdbwd"] / 1e9
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=None)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    B, H, D = 1, 16, 128
    lengths = [2048, 8192] if args.quick else [2048, 4096, 8192, 16384, 32768, 65536]
    dev = torch.device("cuda")
    info = {
        "gpu": torch.cuda.get_device_name(),
        "torch": torch.__version__,
        "fla": fla_backend.available(),
    }
    try:
        import fla

        info["fla_version"] = getattr(fla, "__version__", "?")
    except ImportError:
        pass
    info.update(peaks())
    print(json.dumps(info))
    slopes = minimax_decay_rates(H, 0, 1).to(dev)
    rows = []
    for T in lengths:
        res = measure(T, B, H, D, slopes)
        rows.append(res)
        print(json.dumps(res), flush=True)
    print()
    print(
        f"{info['gpu']}  bf16 matmul {info['matmul_tflops']:.0f} TFLOP/s  copy {info['copy_tb_s']:.2f} TB/s"
    )
    hdr = (
        "| T | fla fwd ms | fla f+b ms | SDPA fwd ms | SDPA f+b ms | torch fwd ms | torch f+b ms"
        " | cuDNN fwd ms | cuDNN f+b ms | SDPA/fla fwd | SDPA/fla f+b | torch/fla f+b"
        " | fla fwd TF/s | fla f+b TF/s | SDPA f+b TF/s | cuDNN f+b TF/s |"
    )
    print(hdr)
    print("|" + "---|" * (hdr.count("|") - 1))
    for r in rows:
        print(
            f"| {r['T']} | {r['fla_fwd']:.3f} | {r['fla_fwdbwd']:.3f} | {r['sdpa_fwd']:.3f} | "
            f"{r['sdpa_fwdbwd']:.3f} | {r['torch_fwd']:.2f} | {r['torch_fwdbwd']:.2f} | "
            f"{r['sdpa_cudnn_fwd']:.3f} | {r['sdpa_cudnn_fwdbwd']:.3f} | "
            f"{r['sdpa_fwd'] / r['fla_fwd']:.2f} | {r['sdpa_fwdbwd'] / r['fla_fwdbwd']:.2f} | "
            f"{r['torch_fwdbwd'] / r['fla_fwdbwd']:.1f} | {r['fla_fwd_tflops']:.1f} | "
            f"{r['fla_fwdbwd_tflops']:.1f} | {r['sdpa_fwdbwd_tflops']:.0f} | {r['sdpa_cudnn_fwdbwd_tflops']:.0f} |"
        )
    if args.out:
        Path(args.out).write_text(json.dumps({"info": info, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
