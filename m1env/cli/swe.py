"""``m1env swe validate TASKS`` and ``m1env swe evaluate TASKS PREDICTIONS``.

``validate`` grades, for every task of a SWE-bench-style JSON/JSONL file, the gold
``patch`` (must resolve: score 1) and the empty patch (must not: score 0) in the task's
environment on ``--backend`` (the sandbox builds it first, see
:mod:`m1env.verifiers.swe.environment`). It prints a table, writes ``--report`` (JSON) if asked,
and exits 1 listing the tasks that fail either check (2 for a bad task file).

``evaluate`` grades a predictions file (SWE-bench's ``{instance_id,
model_name_or_path, model_patch}`` records) against the tasks and prints SWE-bench's
summary as JSON (:func:`m1env.verifiers.swe.evaluate`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from m1env.sandbox.registry import PREFERENCE

__all__ = ["register", "validate_tasks"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "swe",
        help="SWE tasks: validate a task set, evaluate predictions",
        description="Check SWE-bench-style task sets and grade predictions.",
    )
    sub = parser.add_subparsers(dest="swe_command", metavar="SUBCOMMAND", required=True)
    validate = sub.add_parser(
        "validate",
        help="gold patch resolves, empty patch does not, for each task",
        description="For each task: the gold patch scores 1 and the empty patch scores 0.",
    )
    validate.add_argument("tasks", metavar="TASKS", help="JSON or JSONL task file")
    validate.add_argument("--backend", choices=PREFERENCE, default=None)
    validate.add_argument("--report", default=None, help="write the per-task results as JSON")
    validate.add_argument("--wall-s", type=float, default=120.0, help="test-run wall limit")
    validate.set_defaults(func=validate_command)
    evaluate = sub.add_parser(
        "evaluate",
        help="grade SWE-bench predictions and print the harness summary",
        description="Grade a predictions file against the tasks; prints the summary as JSON.",
    )
    evaluate.add_argument("tasks", metavar="TASKS", help="JSON or JSONL task file")
    evaluate.add_argument("predictions", metavar="PREDICTIONS", help="predictions JSON/JSONL")
    evaluate.add_argument("--backend", choices=PREFERENCE, default=None)
    evaluate.add_argument("--output", "-o", default="-", help="where to write the summary")
    evaluate.set_defaults(func=evaluate_command)


def validate_tasks(
    instances: list[Any], backend: str | None, wall_s: float = 120.0
) -> list[dict[str, Any]]:
    """One row per instance: gold and empty-patch scores, and what is wrong, if anything."""
    from m1env.verifiers.swe import GradeLimits, grade
    from m1env.verifiers.swe.environment import task_environment

    limits = GradeLimits(wall_s=wall_s, cpu_s=wall_s)
    rows = []
    for inst in instances:
        row: dict[str, Any] = {"instance_id": inst.instance_id, "problems": []}
        start = time.perf_counter()
        try:
            environment = task_environment(inst, backend)
        except Exception as exc:  # a broken environment is a failed task, not a crash
            row.update(gold=None, empty=None, seconds=0.0)
            row["problems"].append(f"environment: {exc}")
            rows.append(row)
            continue
        gold = grade(inst, inst.patch, limits, environment)
        empty = grade(inst, "", limits, environment)
        row.update(
            gold=gold.score,
            gold_status=gold.status,
            empty=empty.score,
            empty_status=empty.status,
            seconds=round(time.perf_counter() - start, 3),
        )
        if not inst.patch.strip():
            row["problems"].append("no gold patch")
        if gold.score != 1.0:
            row["problems"].append(f"gold patch does not resolve: {gold.reason}")
        if empty.score != 0.0 or empty.status == "error":
            row["problems"].append(f"empty patch: {empty.status}: {empty.reason}")
        rows.append(row)
    return rows


def validate_command(args: argparse.Namespace) -> int:
    from m1env.verifiers.swe import InstanceFormatError, load_instances

    try:
        instances = load_instances(args.tasks)
    except InstanceFormatError as exc:
        print(f"m1env swe validate: {exc}", file=sys.stderr)
        return 2
    rows = validate_tasks(instances, args.backend, args.wall_s)
    width = max([len(r["instance_id"]) for r in rows] + [8])
    print(f"{'instance':<{width}}  {'gold':>5}  {'empty':>5}  {'secs':>6}  result")
    for r in rows:
        gold = "-" if r["gold"] is None else f"{r['gold']:.0f}"
        empty = "-" if r["empty"] is None else f"{r['empty']:.0f}"
        verdict = "ok" if not r["problems"] else "FAIL"
        print(
            f"{r['instance_id']:<{width}}  {gold:>5}  {empty:>5}  {r['seconds']:>6.2f}  {verdict}"
        )
    failed = [r for r in rows if r["problems"]]
    if args.report:
        with open(args.report, "w", encoding="utf-8") as out:
            json.dump({"tasks": args.tasks, "backend": args.backend, "rows": rows}, out, indent=2)
    print(f"{len(rows) - len(failed)}/{len(rows)} tasks valid")
    if failed:
        print("failing tasks:", file=sys.stderr)
        for r in failed:
            print(f"  {r['instance_id']}: {'; '.join(r['problems'])}", file=sys.stderr)
        return 1
    return 0


def evaluate_command(args: argparse.Namespace) -> int:
    from m1env.cli._io import open_output
    from m1env.verifiers.swe import InstanceFormatError, evaluate, load_instances, load_predictions

    try:
        instances = load_instances(args.tasks)
        predictions = load_predictions(args.predictions)
    except InstanceFormatError as exc:
        print(f"m1env swe evaluate: {exc}", file=sys.stderr)
        return 2
    summary = evaluate(instances, predictions, environments=True, backend=args.backend)
    with open_output(args.output) as out:
        out.write(json.dumps(summary, indent=2) + "\n")
    return 0
