"""CPU benchmark: prefill time vs length and decode time per token vs context length.

Three variants of one small model (same widths, same MoE, random weights), side by side:
``hybrid`` (MiniMax's 7 lightning : 1 softmax), ``softmax`` (softmax attention in every layer,
the peer) and ``lightning`` (no softmax layer at all, for reference).

* Prefill: one forward over ``T`` tokens (fresh model state), T = 512 .. 16K.
* Decode: the context is grown chunk by chunk through the cache (512, 1K, .. 16K tokens); at
  each size the mean time of ``--steps`` single-token steps is taken. A lightning layer's step
  costs the same at any context; a softmax layer's step reads the whole KV cache.

Run: ``python bench/policy_cpu.py [--max-len 16384] [--out bench/results/policy_cpu.json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from m1env.policy import FULL_ATTENTION, LINEAR_ATTENTION, HybridMoEForCausalLM, PolicyConfig

BASE = PolicyConfig(
    hidden_size=256,
    num_layers=8,
    num_heads=4,
    head_dim=64,
    num_kv_heads=2,
    intermediate_size=256,
    num_experts=4,
    num_experts_per_tok=2,
    block_size=256,
)
VARIANTS = {
    "hybrid": BASE,
    "softmax": BASE.replace(layer_types=(FULL_ATTENTION,) * 8),
    "lightning": BASE.replace(layer_types=(LINEAR_ATTENTION,) * 8),
}


def _time(fn, reps: int) -> float:
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


@torch.inference_mode()
def prefill_times(model: HybridMoEForCausalLM, lengths: list[int]) -> dict[int, float]:
    out = {}
    for T in lengths:
        ids = torch.randint(0, BASE.vocab_size, (1, T))
        out[T] = _time(lambda ids=ids: model(ids), reps=3 if T <= 4096 else 1)
    return out


@torch.inference_mode()
def decode_times(model: HybridMoEForCausalLM, lengths: list[int], steps: int) -> dict[int, float]:
    cache = model.new_cache()
    have = 0
    out = {}
    tok = torch.tensor([[65]])
    for T in lengths:
        while have < T:  # grow the context to T through the cache, in chunks
            n = min(2048, T - have)
            model(torch.randint(0, BASE.vocab_size, (1, n)), cache=cache)
            have += n
        model(tok, cache=cache)  # warm-up step (may grow the KV buffers once)
        times = []
        for _ in range(steps):
            t0 = time.perf_counter()
            model(tok, cache=cache)
            times.append(time.perf_counter() - t0)
        # median: the machine is shared, and single slow steps are other processes' doing
        out[T] = statistics.median(times)
        have += steps + 1
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--max-len", type=int, default=16384)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    lengths = [n for n in (512, 1024, 2048, 4096, 8192, 16384, 32768) if n <= args.max_len]
    results: dict[str, dict[str, dict[int, float]]] = {}
    for name, cfg in VARIANTS.items():
        torch.manual_seed(0)
        model = HybridMoEForCausalLM(cfg, backend="torch").eval()
        with torch.inference_mode():  # warm-up: first calls pay for allocator and kernel setup
            model(torch.randint(0, cfg.vocab_size, (1, 512)))
        torch.set_num_threads(args.threads)
        prefill = prefill_times(model, lengths)
        # one thread for decode: single-token ops are too small to split, and spinning
        # intra-op threads on a shared machine only add stalls
        torch.set_num_threads(1)
        results[name] = {
            "prefill_s": prefill,
            "decode_s_per_token": decode_times(model, lengths, args.steps),
        }
        print(json.dumps({name: results[name]}), flush=True)
    load = os.getloadavg()
    params = HybridMoEForCausalLM(BASE).num_parameters()
    print(
        f"\nCPU, {args.threads} threads for prefill, 1 for decode, torch {torch.__version__}, load avg {load[0]:.1f}; "
        f"model: {params / 1e6:.1f} M params, 8 layers, d=256, 4 heads x 64, 4 experts top-2"
    )
    print("\n| T | hybrid prefill s | softmax prefill s | lightning prefill s | softmax/hybrid |")
    print("|---|---|---|---|---|")
    for T in lengths:
        h, s, li = (results[v]["prefill_s"][T] for v in VARIANTS)
        print(f"| {T} | {h:.3f} | {s:.3f} | {li:.3f} | {s / h:.2f} |")
    print(
        "\n| context | hybrid ms/token | softmax ms/token | lightning ms/token | softmax/hybrid |"
    )
    print("|---|---|---|---|---|")
    for T in lengths:
        h, s, li = (results[v]["decode_s_per_token"][T] * 1e3 for v in VARIANTS)
        print(f"| {T} | {h:.2f} | {s:.2f} | {li:.2f} | {s / h:.2f} |")
    first, last = lengths[0], lengths[-1]
    for v in VARIANTS:
        d = results[v]["decode_s_per_token"]
        print(f"{v}: decode cost at {last} / at {first} = {d[last] / d[first]:.2f}x")
    if args.out:
        Path(args.out).write_text(
            json.dumps({"load_avg": load, "threads": args.threads, "results": results}, indent=2)
        )


if __name__ == "__main__":
    main()
