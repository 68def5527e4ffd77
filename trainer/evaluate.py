"""Held-out evaluation: accuracy (mean over k samples) and pass@k per environment.

Tasks come from the held-out range of each environment (:class:`m1env.trainer.rollout.TaskSampler`
with ``held_out=True``: indices from ``2**40``, and the environment's ``split="eval"`` where it
has one), the same ``n`` tasks every time for a given seed, so before/after numbers compare
like with like. With ``k`` samples per task, ``pass@k`` is the share of tasks with at least
one correct sample and ``accuracy`` the share of correct samples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from m1env.policy import GenerationConfig
from m1env.trainer.config import EvalConfig
from m1env.trainer.rollout import Engine, TaskSampler, score_completions

__all__ = ["EnvResult", "evaluate", "format_table"]


@dataclass
class EnvResult:
    env: str
    n: int
    k: int
    accuracy: float
    pass_at_k: float
    errors: int
    mean_length: float
    rows: list[dict[str, Any]]

    def summary(self) -> dict[str, Any]:
        return {
            "env": self.env,
            "n": self.n,
            "k": self.k,
            "accuracy": round(self.accuracy, 4),
            f"pass@{self.k}": round(self.pass_at_k, 4),
            "errors": self.errors,
            "mean_length": round(self.mean_length, 2),
        }


def evaluate(engine: Engine, config: EvalConfig) -> list[EnvResult]:
    results = []
    for entry in config.envs:
        sampler = TaskSampler([entry], seed=config.seed, held_out=True)
        tasks = [sampler.task(0, config.seed * 1_000_003 + i) for i in range(config.n)]
        rows: list[dict[str, Any]] = []
        flat = [t for t in tasks for _ in range(config.k)]
        for start in range(0, len(flat), config.batch_size):
            chunk = flat[start : start + config.batch_size]
            gen = GenerationConfig(
                max_new_tokens=config.max_new_tokens,
                temperature=config.temperature,
                seed=config.seed + start,
            )
            comps = engine.complete([t.prompt for t in chunk], gen)
            ids = [engine.prompt_ids(t.prompt) for t in chunk]
            for r in score_completions(sampler, chunk, ids, comps):
                rows.append(
                    {
                        "env": entry.id,
                        "task_id": r.task.id,
                        "response": r.completion.text,
                        "status": r.score.status,
                        "score": r.score.score,
                        "length": len(r.completion.token_ids),
                        "finish_reason": r.completion.finish_reason,
                    }
                )
        correct = [row["status"] == "correct" for row in rows]
        per_task = [any(correct[i * config.k : (i + 1) * config.k]) for i in range(config.n)]
        results.append(
            EnvResult(
                env=entry.id,
                n=config.n,
                k=config.k,
                accuracy=sum(correct) / len(correct),
                pass_at_k=sum(per_task) / len(per_task),
                errors=sum(row["status"] == "error" for row in rows),
                mean_length=sum(row["length"] for row in rows) / len(rows),
                rows=rows,
            )
        )
    return results


def format_table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table of dicts (columns in first-seen order)."""
    cols: list[str] = []
    for row in rows:
        cols += [c for c in row if c not in cols]
    cells = [[str(row.get(c, "")) for c in cols] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(cols)]
    line = "  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))
    body = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join([line, "  ".join("-" * w for w in widths), *body])
