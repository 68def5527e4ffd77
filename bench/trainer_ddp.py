"""Data parallel on real GPUs: the default preset's RL phase on 1 GPU and on N GPUs (torchrun),
equal global batch, same seed; then a per-step comparison.

The runs use shard-invariant sampling (``RLConfig.shard_invariant``: each group's task and
sampling seed come from its global index, one global minibatch order), so N ranks see the
very samples one process sees and only floating-point reduction order differs. Dynamic
sampling is off for that reason (its refills depend on the shard); everything else is the
preset's RL config. ::

    python bench/trainer_ddp.py sft --out DIR                 # the preset's SFT warm start
    python bench/trainer_ddp.py rl --init DIR/sft --out DIR/gpu1
    torchrun --nproc_per_node 2 bench/trainer_ddp.py rl --init DIR/sft --out DIR/gpu2
    python bench/trainer_ddp.py compare DIR/gpu1 DIR/gpu2     # table, JSON and PNG

Each ``rl`` run writes ``metrics.jsonl`` (one line per step) and ``final.json`` (held-out
accuracy per task, world size, device, wall time).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _sft(args: argparse.Namespace) -> None:
    import torch

    from m1env.policy import ByteTokenizer, HybridMoEForCausalLM, save_pretrained
    from m1env.trainer.presets import get_preset
    from m1env.trainer.sft import train_sft

    preset = get_preset(args.preset).with_seed(args.seed)
    sft = replace(preset.sft, steps=args.steps or preset.sft.steps)
    torch.manual_seed(sft.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = HybridMoEForCausalLM(preset.policy).to(device)
    t0 = time.perf_counter()
    train_sft(model, ByteTokenizer(preset.policy.vocab_size), sft)
    save_pretrained(model.cpu(), Path(args.out) / "sft", ByteTokenizer(preset.policy.vocab_size))
    print(json.dumps({"sft_s": round(time.perf_counter() - t0, 1)}), flush=True)


def _rl(args: argparse.Namespace) -> None:
    import torch
    import torch.distributed as dist

    from m1env.policy import load_pretrained
    from m1env.trainer.distributed import init_from_env, rank_world
    from m1env.trainer.evaluate import evaluate
    from m1env.trainer.metrics import MetricsWriter
    from m1env.trainer.presets import get_preset
    from m1env.trainer.rl import train_rl
    from m1env.trainer.rollout import LocalEngine

    distributed = init_from_env()
    rank, world = rank_world()
    device = f"cuda:{torch.cuda.current_device()}" if torch.cuda.is_available() else "cpu"
    preset = get_preset(args.preset).with_seed(args.seed)
    cfg = replace(
        preset.rl,
        shard_invariant=True,
        dynamic_sampling=False,
        eval_every=0,
        steps=args.steps or preset.rl.steps,
    )
    model, tok = load_pretrained(args.init)
    model = model.to(device)
    out = Path(args.out)
    writer = MetricsWriter(out / "metrics.jsonl" if rank == 0 else None)
    t0 = time.perf_counter()
    train_rl(model, tok, cfg, log=writer.write)
    wall = time.perf_counter() - t0
    writer.close()
    if rank == 0:
        results = evaluate(LocalEngine(model, tok), preset.eval)
        final = {
            "world": world,
            "device": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
            "rl_steps": cfg.steps,
            "rl_wall_s": round(wall, 1),
            "heldout": {r.env: r.accuracy for r in results},
        }
        (out / "final.json").write_text(json.dumps(final, indent=1))
        print(json.dumps(final), flush=True)
    if distributed:
        dist.barrier()
        dist.destroy_process_group()


def _read(run: Path) -> list[dict[str, Any]]:
    from m1env.trainer.metrics import read_metrics

    return [r for r in read_metrics(run / "metrics.jsonl") if r.get("phase") == "rl"]


def _compare(args: argparse.Namespace) -> None:
    from m1env.trainer.metrics import plot_curves

    a, b = Path(args.runs[0]), Path(args.runs[1])
    ra, rb = _read(a), _read(b)
    n = min(len(ra), len(rb))
    report: dict[str, Any] = {"steps_compared": n}
    for key in ("loss", "reward", "entropy", "length_mean", "grad_norm"):
        diffs = [
            abs(x[key] - y[key])
            for x, y in zip(ra[:n], rb[:n], strict=True)
            if isinstance(x.get(key), float | int) and isinstance(y.get(key), float | int)
        ]
        diffs = [d for d in diffs if math.isfinite(d)]
        if diffs:
            report[f"max_abs_diff_{key}"] = max(diffs)
            report[f"mean_abs_diff_{key}"] = sum(diffs) / len(diffs)
    same = [x["reward"] == y["reward"] for x, y in zip(ra[:n], rb[:n], strict=True)]
    report["steps_with_identical_reward"] = sum(same)
    report["first_step_reward_differs"] = next((i + 1 for i, s in enumerate(same) if not s), None)
    for run, name in ((a, "a"), (b, "b")):
        final = run / "final.json"
        if final.is_file():
            report[f"final_{name}"] = json.loads(final.read_text())
    print(json.dumps(report, indent=1))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=1))
        plot_curves(
            {
                f"loss {a.name}": [(r["step"], r["loss"]) for r in ra if "loss" in r],
                f"loss {b.name}": [(r["step"], r["loss"]) for r in rb if "loss" in r],
                f"reward {a.name}": [(r["step"], r["reward"]) for r in ra],
                f"reward {b.name}": [(r["step"], r["reward"]) for r in rb],
            },
            Path(args.out).with_suffix(".png"),
            title="RL on 1 vs N GPUs, equal global batch",
            xlabel="RL step",
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("sft", "rl"):
        p = sub.add_parser(name)
        p.add_argument("--preset", default="tiny-mix")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--out", required=True)
        p.add_argument("--steps", type=int, default=0, help="0: the preset's")
        if name == "rl":
            p.add_argument("--init", required=True)
    c = sub.add_parser("compare")
    c.add_argument("runs", nargs=2)
    c.add_argument("--out", default=None, help="write the report here (and a .png beside it)")
    args = ap.parse_args()
    {"sft": _sft, "rl": _rl, "compare": _compare}[args.cmd](args)


if __name__ == "__main__":
    main()
