"""CISPO vs DAPO vs GRPO on the preset task: same SFT start, same seeds, same budget.

Every run starts from one SFT checkpoint (trained here once, or ``--sft DIR``), runs ``--steps``
RL steps with the preset's RL settings except the loss (and its default clip range:
CISPO ``eps_low=1`` (no lower bound, as in M1) / ``eps_high=0.28``; DAPO 0.2 / 0.28;
GRPO 0.2 / 0.2), and evaluates greedy held-out accuracy every ``--eval-every`` steps on the
same ``--eval-n`` tasks. Seeds change task order and sampling, never the starting weights.

Prints a table (final accuracy mean ± std, first step at which the held-out accuracy reaches
``--target``, per seed, and the CISPO/DAPO ratio of steps-to-target), writes
``trainer_compare.json`` and ``trainer_compare.png`` (mean curve per loss, seeds shaded).

    .venv/bin/python bench/trainer_compare.py --out bench/results/trainer_compare
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from m1env.policy import ByteTokenizer, HybridMoEForCausalLM, load_pretrained, save_pretrained
from m1env.trainer.evaluate import evaluate, format_table
from m1env.trainer.presets import get_preset
from m1env.trainer.rl import train_rl
from m1env.trainer.rollout import LocalEngine
from m1env.trainer.sft import train_sft


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", default="tiny-add")
    ap.add_argument("--losses", default="cispo,dapo,grpo")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--eval-every", type=int, default=5)
    ap.add_argument("--eval-n", type=int, default=100)
    ap.add_argument("--target", type=float, default=None, help="default: SFT accuracy + 0.15")
    ap.add_argument("--sft", default=None, help="SFT checkpoint to start from (default: train)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--update-rounds", type=int, default=None, help="override the preset's")
    ap.add_argument("--minibatches", type=int, default=None, help="override the preset's")
    ap.add_argument("--out", default="bench/results/trainer_compare")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    preset = get_preset(args.preset)
    load_before = _uptime()
    t0 = time.perf_counter()
    sft_dir = Path(args.sft) if args.sft else out / "sft"
    if not (sft_dir / "model.safetensors").is_file():
        torch.manual_seed(preset.sft.seed)
        model = HybridMoEForCausalLM(preset.policy)
        train_sft(model, ByteTokenizer(), preset.sft)
        save_pretrained(model, sft_dir)
    eval_cfg = replace(preset.eval, n=args.eval_n)
    model, tok = load_pretrained(sft_dir)
    sft_acc = evaluate(LocalEngine(model, tok), eval_cfg)[0].accuracy
    target = args.target if args.target is not None else round(sft_acc + 0.15, 2)
    print(f"SFT held-out accuracy {sft_acc:.3f}; target {target:.2f}", flush=True)

    defaults = {"cispo": (1.0, 0.28), "dapo": (0.2, 0.28), "grpo": (0.2, 0.2)}
    runs: list[dict[str, Any]] = []
    for loss in args.losses.split(","):
        eps_low, eps_high = defaults.get(loss, (0.2, 0.28))
        for seed in (int(s) for s in args.seeds.split(",")):
            model, tok = load_pretrained(sft_dir)

            def heldout(m: HybridMoEForCausalLM, tok: ByteTokenizer = tok) -> float:
                return float(evaluate(LocalEngine(m, tok), eval_cfg)[0].accuracy)

            cfg = replace(
                preset.rl,
                loss=loss,
                eps_low=eps_low,
                eps_high=eps_high,
                steps=args.steps,
                seed=seed,
                eval_every=args.eval_every,
                update_rounds=args.update_rounds or preset.rl.update_rounds,
                minibatches=args.minibatches or preset.rl.minibatches,
            )
            t = time.perf_counter()
            hist = train_rl(model, tok, cfg, evaluate=heldout)
            curve = [(0, sft_acc)] + [
                (r["step"], r["heldout_accuracy"]) for r in hist if "heldout_accuracy" in r
            ]
            reach = next((s for s, a in curve if a >= target), None)
            runs.append(
                {
                    "loss": loss,
                    "seed": seed,
                    "curve": curve,
                    "final": curve[-1][1],
                    "steps_to_target": reach,
                    "clip_frac": statistics.fmean(r.get("clip_frac", 0.0) for r in hist),
                    "wall_s": round(time.perf_counter() - t, 1),
                }
            )
            print(json.dumps({k: v for k, v in runs[-1].items() if k != "curve"}), flush=True)

    rows = []
    for loss in args.losses.split(","):
        mine = [r for r in runs if r["loss"] == loss]
        finals = [r["final"] for r in mine]
        reached = [r["steps_to_target"] for r in mine]
        hit = [s for s in reached if s is not None]
        rows.append(
            {
                "loss": loss,
                "final_acc_mean": round(statistics.fmean(finals), 3),
                "final_acc_std": round(statistics.pstdev(finals), 3),
                "steps_to_target": ",".join("-" if s is None else str(s) for s in reached),
                "mean_steps_reached": round(statistics.fmean(hit), 1) if hit else None,
                "clip_frac": round(statistics.fmean(r["clip_frac"] for r in mine), 4),
            }
        )
    print()
    print(format_table(rows))
    by = {r["loss"]: r for r in rows}
    ratio = None
    if (
        "cispo" in by
        and "dapo" in by
        and by["cispo"]["mean_steps_reached"]
        and by["dapo"]["mean_steps_reached"]
    ):
        ratio = by["cispo"]["mean_steps_reached"] / by["dapo"]["mean_steps_reached"]
        print(f"steps to target, CISPO / DAPO: {ratio:.2f} (M1 reports ~0.5)")
    result = {
        "sft_accuracy": sft_acc,
        "target": target,
        "rows": rows,
        "runs": runs,
        "cispo_over_dapo_steps": ratio,
        "wall_s": round(time.perf_counter() - t0, 1),
        "uptime_before": load_before,
        "uptime_after": _uptime(),
    }
    (out / "trainer_compare.json").write_text(json.dumps(result, indent=1))
    _plot(runs, args.losses.split(","), sft_acc, target, out / "trainer_compare.png")
    print(f"wall {result['wall_s']}s; load {load_before} -> {result['uptime_after']}")


def _plot(
    runs: list[dict[str, Any]], losses: list[str], sft: float, target: float, path: Path
) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no plot")
        return
    fig, ax = plt.subplots(figsize=(7, 4))
    for loss in losses:
        curves = [r["curve"] for r in runs if r["loss"] == loss]
        xs = [s for s, _ in curves[0]]
        ys = [[a for _, a in c] for c in curves]
        mean = [statistics.fmean(col) for col in zip(*ys, strict=True)]
        lo = [min(col) for col in zip(*ys, strict=True)]
        hi = [max(col) for col in zip(*ys, strict=True)]
        (line,) = ax.plot(xs, mean, label=f"{loss} (mean of {len(curves)} seeds)")
        ax.fill_between(xs, lo, hi, alpha=0.15, color=line.get_color())
    ax.axhline(sft, linestyle="--", color="grey", linewidth=1, label="SFT")
    ax.axhline(target, linestyle=":", color="black", linewidth=1, label="target")
    ax.set_xlabel("RL step")
    ax.set_ylabel("held-out accuracy (greedy)")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"plot: {path}")


def _uptime() -> str:
    try:
        return subprocess.run(
            ["uptime"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return "?"


if __name__ == "__main__":
    main()
