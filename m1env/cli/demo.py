"""``m1env demo``: score the bundled math set end to end on embedded defaults.

Builds the tasks of the bundled sample set (``m1env/MathDataset-v0``) and a few
procedural tasks of each math family at difficulties 1-10, then scores for every
task two responses with the ``math`` verifier through the worker pool:

* ``gold``: the task's example response (a worked solution), expected correct;
* ``corrupted``: the same response with its final answer made wrong -- an
  off-by-one edit inside the final ``\\boxed{}`` for even items, the response cut off
  before its final answer for odd items -- expected incorrect.

Every scored response is recorded in the episode store (``<out>/m1env.db`` unless
``--db`` names another) and written as a JSON line to ``<out>/episodes.jsonl`` (task,
response, Score, seconds) with a ``summary.json`` beside it, and a table per source
goes to stdout. The exit status is 1 when a gold response is not correct, a
corrupted one is correct, or a verification errors.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["DemoItem", "build_items", "corrupt", "register", "summarize"]

FAMILY_ENVS = (
    "m1env/Math-Arithmetic-v0",
    "m1env/Math-Fractions-v0",
    "m1env/Math-Linear-v0",
    "m1env/Math-Quadratic-v0",
    "m1env/Math-WordProblems-v0",
)
DATASET_ENV = "m1env/MathDataset-v0"
KINDS = ("gold", "corrupted")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="score the bundled math set and procedural tasks, print a result table",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--per-family", type=int, default=10, help="procedural tasks per family")
    parser.add_argument("--seed", type=int, default=0, help="seed of the procedural tasks")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="verifier worker processes")
    parser.add_argument(
        "--out", default=None, help="output folder (default runs/demo/<UTC timestamp>)"
    )
    parser.add_argument("--dataset", default=None, help="dataset file instead of the sample set")
    parser.add_argument(
        "--db", default=None, help="episode store URL (default: a SQLite file in the output folder)"
    )
    parser.set_defaults(func=run)


@dataclass
class DemoItem:
    """One response to score: its task, kind (gold/corrupted) and, once scored, result."""

    source: str
    task: dict[str, Any]
    kind: str
    response: str
    result: dict[str, Any] | None = None


def _last_box(text: str) -> tuple[int, int] | None:
    """(start of ``\\boxed{``, end of its closing brace) of the last box, or None."""
    start = text.rfind("\\boxed{")
    if start < 0:
        return None
    depth = 0
    for i in range(start + len("\\boxed"), len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return start, i + 1
    return None


def corrupt(response: str, index: int) -> tuple[str, str]:
    """A wrong version of a correct response, and how it was made wrong."""
    box = _last_box(response)
    if box is None:
        return response + "\n\nActually, I am not sure.", "no answer"
    start, end = box
    if index % 2 == 1:
        # Cut the whole line holding the final answer: a response that ran out of tokens.
        line_start = response.rfind("\n", 0, start) + 1
        return response[:line_start].rstrip() or "I need more time to think.", "truncated"
    content = response[start + len("\\boxed{") : end - 1]
    number = _NUMBER.search(content)
    if number is None:
        wrong = f"{content} + 1"
    else:
        value = number.group()
        bumped = (
            str(float(value) + 1).rstrip("0").rstrip(".") if "." in value else str(int(value) + 1)
        )
        wrong = content[: number.start()] + bumped + content[number.end() :]
    return response[:start] + f"\\boxed{{{wrong}}}" + response[end:], "off by one"


def _task_env(env: Any) -> Any:
    from m1env import TaskEnv

    if not isinstance(env, TaskEnv):
        raise SystemExit(f"m1env demo: {type(env).__name__} is not an m1env TaskEnv")
    return env


def build_items(per_family: int, seed: int, dataset: str | None = None) -> list[DemoItem]:
    import m1env

    items: list[DemoItem] = []
    kwargs = {"path": dataset} if dataset else {}
    sample = _task_env(m1env.make(DATASET_ENV, **kwargs).unwrapped)
    jobs: list[tuple[m1env.TaskEnv, str, dict[str, Any]]] = []
    size = sample.source.size or 0
    jobs += [(sample, sample.source.name, {"index": i}) for i in range(size)]
    for env_id in FAMILY_ENVS:
        env = _task_env(m1env.make(env_id, seed=seed).unwrapped)
        jobs += [
            (env, env.source.name, {"index": i, "difficulty": 1 + i % 10})
            for i in range(per_family)
        ]
    for n, (env, source, options) in enumerate(jobs):
        _, info = env.reset(options=options)
        task = m1env.Task.from_dict(info["task"])
        gold = env.example_response(task)
        wrong, how = corrupt(gold, n)
        items.append(DemoItem(source, task.to_dict(), "gold", gold))
        items.append(DemoItem(source, task.to_dict() | {"corruption": how}, "corrupted", wrong))
    return items


def _score(item: DemoItem) -> DemoItem:
    from m1env.verifiers import get_verifier

    started = time.perf_counter()
    score = get_verifier("math").verify(item.response, item.task["reference"])
    item.result = {
        "status": score.status,
        "score": score.score,
        "reason": score.reason,
        "seconds": round(time.perf_counter() - started, 6),
    }
    return item


def _store(items: list[DemoItem], url: str, run_id: str) -> None:
    from m1env.store import EpisodeStore
    from m1env.verifiers import Score

    store = EpisodeStore(url)
    for item in items:
        result = item.result or {}
        task = {k: v for k, v in item.task.items() if k != "corruption"}
        score = Score(result["score"], result["status"], result["reason"])
        store.record_episode(
            task, item.response, score, run_id=run_id, policy=item.kind, verifier="math",
            latency_s=result["seconds"], metadata={"source": item.source},
        )  # fmt: skip


def summarize(items: list[DemoItem]) -> dict[str, dict[str, dict[str, float]]]:
    """source -> kind -> {n, correct, incorrect, error, accuracy, seconds}."""
    table: dict[str, dict[str, dict[str, float]]] = {}
    for item in items:
        if item.result is None:
            raise ValueError(f"item of {item.source} was never scored")
        row = table.setdefault(item.source, {})
        cell = row.setdefault(
            item.kind, {"n": 0, "correct": 0, "incorrect": 0, "error": 0, "seconds": 0.0}
        )
        cell["n"] += 1
        cell[item.result["status"]] += 1
        cell["seconds"] += item.result["seconds"]
    for row in table.values():
        for cell in row.values():
            cell["accuracy"] = cell["correct"] / cell["n"] if cell["n"] else 0.0
    return table


def _print_table(table: dict[str, dict[str, dict[str, float]]], wall: float) -> None:
    head = f"{'source':<16}{'n':>4} | {'gold: ok':>8} {'wrong':>5} {'err':>4} {'acc':>7}"
    head += f" | {'corrupted: ok':>13} {'wrong':>5} {'err':>4} {'acc':>7} | {'ms/resp':>8}"
    print(head)
    print("-" * len(head))
    totals: dict[str, dict[str, float]] = {
        k: {"n": 0, "correct": 0, "incorrect": 0, "error": 0, "seconds": 0.0} for k in KINDS
    }
    for source, row in [*table.items(), ("total", totals)]:
        if source == "total":
            print("-" * len(head))
            for cell in totals.values():
                cell["accuracy"] = cell["correct"] / cell["n"] if cell["n"] else 0.0
        g, c = row["gold"], row["corrupted"]
        if source != "total":
            for kind in KINDS:
                for key in ("n", "correct", "incorrect", "error", "seconds"):
                    totals[kind][key] += row[kind][key]
        print(
            f"{source:<16}{int(g['n']):>4} | {int(g['correct']):>8} {int(g['incorrect']):>5} "
            f"{int(g['error']):>4} {g['accuracy']:>7.1%} | {int(c['correct']):>13} "
            f"{int(c['incorrect']):>5} {int(c['error']):>4} {c['accuracy']:>7.1%} | "
            f"{1000 * (g['seconds'] + c['seconds']) / max(1, g['n'] + c['n']):>8.2f}"
        )
    print(f"wall time {wall:.2f}s (ms/resp: mean verification latency, worker start-up included)")


def run(args: argparse.Namespace) -> int:
    from m1env.verifiers import WorkerPool, set_default_pool

    if args.jobs < 1 or args.per_family < 0:
        raise SystemExit("m1env demo: -j must be >= 1 and --per-family >= 0")
    started = time.perf_counter()
    items = build_items(args.per_family, args.seed, args.dataset)
    out = Path(args.out or f"runs/demo/{datetime.now(UTC):%Y%m%dT%H%M%SZ}")
    out.mkdir(parents=True, exist_ok=True)
    pool = WorkerPool(args.jobs)
    previous = set_default_pool(pool)
    try:
        with ThreadPoolExecutor(max_workers=args.jobs) as executor:
            scored = list(executor.map(_score, items))
    finally:
        set_default_pool(previous)
        pool.close()
    wall = time.perf_counter() - started
    _store(scored, args.db or f"sqlite:///{(out / 'm1env.db').resolve()}", out.name)
    with (out / "episodes.jsonl").open("w", encoding="utf-8") as handle:
        for item in scored:
            record = {"source": item.source, "kind": item.kind, "task": item.task}
            record |= {"response": item.response, **(item.result or {})}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    table = summarize(scored)
    summary = {"verifier": "math", "jobs": args.jobs, "wall_seconds": wall, "sources": table}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    n_tasks = len(scored) // 2
    print(
        f"m1env demo: {n_tasks} tasks, {len(scored)} responses scored by `math` "
        f"with {args.jobs} worker(s)\n"
    )
    _print_table(table, wall)
    print(f"episodes: {out / 'episodes.jsonl'} (and the episode store {out / 'm1env.db'})")
    print(f"summary:  {out / 'summary.json'}")
    ok = all(
        row["gold"]["correct"] == row["gold"]["n"]
        and row["corrupted"]["correct"] == 0
        and row["gold"]["error"] + row["corrupted"]["error"] == 0
        for row in table.values()
    )
    if not ok:
        print("m1env demo: some gold responses failed or corrupted ones passed", file=sys.stderr)
    return 0 if ok else 1
