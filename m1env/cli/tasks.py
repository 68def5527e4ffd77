"""``m1env tasks ENV_ID``: JSON lines of Task objects with an example response each."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "tasks",
        help="print tasks of an environment as JSON lines",
        description=(
            "Print N tasks of ENV_ID as JSON lines: the Task fields plus `example_response`, "
            "a response the environment's verifier scores correct."
        ),
    )
    parser.add_argument("env_id", metavar="ENV_ID")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first task (default 0)")
    parser.add_argument("-n", type=int, default=10, help="number of tasks (default 10)")
    parser.add_argument("--difficulty", type=int, default=None, help="1-10 (procedural envs)")
    parser.add_argument("--output", "-o", default="-", help="file to write (default stdout)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import m1env
    from m1env.cli._io import open_output, write_jsonl

    if args.n < 0:
        raise SystemExit("m1env tasks: -n must be >= 0")
    env = m1env.make(args.env_id).unwrapped
    assert isinstance(env, m1env.TaskEnv)
    options: dict[str, Any] = {}
    if args.difficulty is not None:
        options["difficulty"] = args.difficulty
    with open_output(args.output) as out:
        for i in range(args.n):
            _, info = env.reset(seed=args.seed + i, options=options)
            task = m1env.Task.from_dict(info["task"])
            record = task.to_dict()
            record["example_response"] = env.example_response(task)
            write_jsonl(out, record)
    env.close()
    return 0
