"""The main job: SFT warm start, then RL, evaluated on held-out tasks before and after.

:func:`run_preset` is what ``m1env train`` runs. It writes, under ``out_dir``::

    metrics.jsonl          every SFT log line, RL step and evaluation, one JSON object each
    sft/                   the warm-started policy (safetensors; ``m1env eval --model sft``)
    checkpoints/step-N/    RL checkpoints (model, optimiser, trainer state); resume reads these
    eval_<stage>.jsonl     every held-out response, with its Score status
    summary.json           the before/after table (per environment, and their mean)
    reward_curve.png       training reward and held-out accuracy per RL step

Re-running with the same ``out_dir`` resumes: the SFT checkpoint is reused and RL continues
from its newest checkpoint.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from m1env.policy import ByteTokenizer, HybridMoEForCausalLM, load_pretrained, save_pretrained
from m1env.trainer.config import EvalConfig
from m1env.trainer.evaluate import evaluate, format_table
from m1env.trainer.metrics import MetricsWriter, TensorBoardWriter, plot_curves
from m1env.trainer.presets import Preset
from m1env.trainer.rl import train_rl
from m1env.trainer.rollout import LocalEngine
from m1env.trainer.scoring import Scorer
from m1env.trainer.sft import train_sft

__all__ = ["run_preset"]


def _eval(
    model: HybridMoEForCausalLM, tok: ByteTokenizer, cfg: EvalConfig, out: Path | None, stage: str
) -> list[dict[str, Any]]:
    """One row per environment, plus their unweighted mean when there are several."""
    results = evaluate(LocalEngine(model, tok), cfg)
    if out is not None:
        with (out / f"eval_{stage}.jsonl").open("w", encoding="utf-8") as fh:
            for res in results:
                for row in res.rows:
                    fh.write(json.dumps(row) + "\n")
    rows = [
        {"stage": stage, "env": r.env, "n": r.n, "accuracy": round(r.accuracy, 4)} for r in results
    ]
    if len(results) > 1:
        mean = sum(r.accuracy for r in results) / len(results)
        rows.append(
            {
                "stage": stage,
                "env": "mean",
                "n": sum(r.n for r in results),
                "accuracy": round(mean, 4),
            }
        )
    return rows


def run_preset(
    preset: Preset,
    out_dir: str | Path,
    *,
    echo: Any = print,
    scorer: Scorer | None = None,
    tensorboard: str | Path | None = None,
) -> dict[str, Any]:
    """Run SFT → evaluate → RL → evaluate; return the summary (also written to summary.json).

    ``scorer``: how RL rollouts are scored (default: what ``preset.rl.scoring`` names).
    ``tensorboard``: also write every numeric metric there as TensorBoard scalars.
    """
    t_start = time.perf_counter()
    torch.set_num_threads(preset.threads)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "preset.json").write_text(
        json.dumps(
            {
                "name": preset.name,
                "policy": preset.policy.to_dict(),
                "sft": preset.sft.to_dict(),
                "rl": preset.rl.to_dict(),
                "eval": preset.eval.to_dict(),
            },
            indent=1,
            default=str,
        )
    )
    writer = MetricsWriter(out / "metrics.jsonl")
    board = TensorBoardWriter(tensorboard) if tensorboard is not None else None

    def log(record: dict[str, Any]) -> None:
        writer.write(record)
        if board is not None:
            board.write(record)
        echo(_brief(record))

    tok = ByteTokenizer(preset.policy.vocab_size)
    rows: list[dict[str, Any]] = []
    sft_dir = out / "sft"
    if (sft_dir / "model.safetensors").is_file():
        model, tok = load_pretrained(sft_dir)
        echo(f"reusing the SFT policy in {sft_dir}")
    else:
        torch.manual_seed(preset.sft.seed)
        model = HybridMoEForCausalLM(preset.policy)
        for row in _eval(model, tok, preset.eval, out, "init"):
            rows.append(row)
            log({"phase": "eval", **row})
        t0 = time.perf_counter()
        train_sft(model, tok, preset.sft, log=log)
        echo(f"SFT: {preset.sft.steps} steps in {time.perf_counter() - t0:.0f}s")
        save_pretrained(model, sft_dir, tok)
    for row in _eval(model, tok, preset.eval, out, "sft"):
        rows.append(row)
        log({"phase": "eval", **row})

    curve_eval = replace(preset.eval, n=min(preset.eval.n, preset.rl.eval_n))

    def heldout(m: HybridMoEForCausalLM) -> dict[str, float]:
        """Held-out accuracy per environment and their mean (``"mean"``)."""
        results = evaluate(LocalEngine(m, tok), curve_eval)
        acc = {r.env: float(r.accuracy) for r in results}
        return {"mean": sum(acc.values()) / len(acc), **acc}

    t0 = time.perf_counter()
    history = train_rl(model, tok, preset.rl, run_dir=out, log=log, evaluate=heldout, scorer=scorer)
    echo(f"RL ({preset.rl.loss}): {preset.rl.steps} steps in {time.perf_counter() - t0:.0f}s")
    for row in _eval(model, tok, preset.eval, out, f"sft+{preset.rl.loss}"):
        rows.append(row)
        log({"phase": "eval", **row})
    writer.close()
    if board is not None:
        board.close()

    sft_acc = [r["accuracy"] for r in rows if r["stage"] == "sft"][-1]  # the mean, if several
    rl_points = [(r["step"], r["reward"]) for r in history if "reward" in r]
    acc_points = [(r["step"], r["heldout_accuracy"]) for r in history if "heldout_accuracy" in r]
    per_env = (
        {
            f"held-out {e.id}": [
                (r["step"], r[f"heldout/{e.id}"]) for r in history if f"heldout/{e.id}" in r
            ]
            for e in preset.eval.envs
        }
        if len(preset.eval.envs) > 1
        else {}
    )
    window = 10
    smooth = [
        (x, sum(y for _, y in rl_points[max(0, i - window + 1) : i + 1]) / min(i + 1, window))
        for i, (x, _) in enumerate(rl_points)
    ]
    png = plot_curves(
        {
            "train reward (per step)": rl_points,
            f"train reward ({window}-step mean)": smooth,
            f"held-out accuracy (greedy, n={curve_eval.n} per env)": acc_points,
            **per_env,
        },
        out / "reward_curve.png",
        title=f"{preset.name}: {preset.rl.loss} after SFT",
        xlabel="RL step",
        ylabel="reward / accuracy",
        hlines=[("SFT held-out accuracy", sft_acc)],
    )
    summary = {
        "preset": preset.name,
        "table": rows,
        "rl_steps": preset.rl.steps,
        "wall_s": round(time.perf_counter() - t_start, 1),
        "plot": str(png) if png else None,
        "out_dir": str(out),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    echo("")
    echo(format_table(rows))
    echo(f"wall time {summary['wall_s']}s; plot: {summary['plot']}; metrics: {out}/metrics.jsonl")
    return summary


def _brief(record: dict[str, Any]) -> str:
    keys = (
        "phase",
        "event",
        "stage",
        "step",
        "loss",
        "reward",
        "accuracy",
        "heldout_accuracy",
        "length_mean",
        "clip_frac",
        "entropy",
        "logp_corr",
        "groups_kept",
        "step_s",
    )
    parts = []
    for k in keys:
        if k in record:
            v = record[k]
            parts.append(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}")
    return " ".join(parts)
