"""``m1env eval --model URL|CHECKPOINT --env ID [-n N] [-k K]``: held-out accuracy and pass@k.

``--model`` is a checkpoint directory (the bundled policy, run in-process) or the base URL of
any OpenAI-compatible server (``http://host:port`` or ``.../v1``; requests go to
``/v1/chat/completions``). For each ``--env`` it draws ``N`` held-out tasks (the same ones for a
given ``--seed``), samples ``K`` completions each, scores them with the environment's verifier,
writes every response as a JSON line to ``--out`` (default ``-``, stdout is then reserved for
the rows and the summary goes to stderr), and prints a summary table with ``accuracy`` (share
of correct samples) and ``pass@K`` (share of tasks with a correct sample).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    from m1env.trainer.config import EvalConfig

    p = subparsers.add_parser(
        "eval",
        help="accuracy and pass@k of a checkpoint or an OpenAI-compatible server",
        description="Accuracy and pass@k per environment on held-out tasks.",
    )
    p.add_argument("--model", required=True, help="checkpoint directory or http(s) URL")
    p.add_argument("--env", action="append", required=True, help="environment id; repeatable")
    p.add_argument(
        "-n", type=int, default=EvalConfig.n, help="tasks per environment (default %(default)s)"
    )
    p.add_argument(
        "-k", type=int, default=EvalConfig.k, help="samples per task (default %(default)s)"
    )
    p.add_argument("--difficulty", type=int, default=None, help="task difficulty 1-10")
    p.add_argument(
        "--temperature",
        type=float,
        default=None,
        help="sampling temperature (default: 0 = greedy when k=1, else 1.0)",
    )
    # not EvalConfig's 32, which fits the toy environments: this command evaluates any of them
    p.add_argument("--max-new-tokens", type=int, default=256, help="default: %(default)s")
    p.add_argument("--seed", type=int, default=EvalConfig.seed, help="default: %(default)s")
    p.add_argument(
        "--server-model",
        default=None,
        help="model name sent to the server (default: the first of /v1/models)",
    )
    p.add_argument("--out", default="-", help="JSONL of every response (default: stdout)")
    p.add_argument("--summary", default=None, help="also write the summary table as JSONL here")
    p.add_argument("--threads", type=int, default=2)
    p.set_defaults(func=eval_command)


def eval_command(args: argparse.Namespace) -> int:
    import torch

    from m1env.errors import M1EnvError, TrainerError
    from m1env.policy import PolicyError, load_pretrained
    from m1env.trainer.config import EnvWeight, EvalConfig
    from m1env.trainer.evaluate import evaluate, format_table
    from m1env.trainer.rollout import Engine, LocalEngine, OpenAIEngine
    from m1env.trainer.toy_envs import register_toy_envs

    torch.set_num_threads(args.threads)
    register_toy_envs()
    temperature = (
        args.temperature if args.temperature is not None else (0.0 if args.k == 1 else 1.0)
    )
    try:
        cfg = EvalConfig(
            envs=tuple(EnvWeight(e, difficulty=args.difficulty) for e in args.env),
            n=args.n,
            k=args.k,
            temperature=temperature,
            max_new_tokens=args.max_new_tokens,
            seed=args.seed,
        )
        engine: Engine
        if args.model.startswith(("http://", "https://")):
            engine = OpenAIEngine(args.model, args.server_model)
        else:
            model, tok = load_pretrained(args.model)
            engine = LocalEngine(model, tok)
        results = evaluate(engine, cfg)
    except (TrainerError, PolicyError, M1EnvError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")  # noqa: SIM115
    try:
        for res in results:
            for row in res.rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    summary = [r.summary() for r in results]
    if args.summary:
        with open(args.summary, "w", encoding="utf-8") as fh:
            for row in summary:
                fh.write(json.dumps(row) + "\n")
    table_stream = sys.stderr if args.out == "-" else sys.stdout
    print(format_table(summary), file=table_stream)
    return 0
