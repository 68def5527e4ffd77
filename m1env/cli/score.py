"""``m1env score --verifier NAME``: score JSON lines, one output line per input line.

Input lines are ``{"response": str, "reference": any, "options": {}?, "id": any?}``.
Output lines, in input order: ``{"id"?, "score", "status", "reason"}`` (``--details``
adds ``details``). A malformed line yields an ``error`` line naming its line number
and scoring goes on; nothing is dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

__all__ = ["parse_line", "register", "score_lines"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "score",
        help="score JSON lines with a verifier",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--verifier", "-v", required=True, help="verifier name (see --list)")
    parser.add_argument("--input", "-i", default="-", help="JSON lines file or - (default)")
    parser.add_argument("--output", "-o", default="-", help="output file or - (default)")
    parser.add_argument(
        "-j", "--jobs", type=int, default=os.cpu_count() or 1, help="parallel workers"
    )
    parser.add_argument("--timeout", type=float, default=None, help="seconds per item")
    parser.add_argument("--details", action="store_true", help="include Score.details")
    parser.set_defaults(func=run)


def parse_line(raw: bytes, lineno: int) -> dict[str, Any]:
    """One input line as a job dict; raises ValueError with the line number."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"line {lineno}: not valid UTF-8 ({exc.reason} at byte {exc.start})"
        ) from None
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"line {lineno}: invalid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise ValueError(f"line {lineno}: JSON nested too deeply") from None
    if not isinstance(record, dict):
        raise ValueError(f"line {lineno}: expected a JSON object, got {type(record).__name__}")
    if "response" not in record or "reference" not in record:
        raise ValueError(f"line {lineno}: needs 'response' and 'reference'")
    if not isinstance(record["response"], str):
        raise ValueError(f"line {lineno}: 'response' must be a string")
    options = record.get("options") or {}
    if not isinstance(options, dict):
        raise ValueError(f"line {lineno}: 'options' must be an object")
    return record


def _result(record: dict[str, Any] | None, score: Any, details: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if record is not None and "id" in record:
        out["id"] = record["id"]
    out.update(score=score.score, status=score.status, reason=score.reason)
    if details:
        out["details"] = score.details
    return out


def score_lines(
    lines: Iterator[bytes],
    verifier_name: str,
    *,
    jobs: int = 1,
    timeout: float | None = None,
    details: bool = False,
) -> Iterator[dict[str, Any]]:
    """Score raw JSON lines concurrently, yielding results in input order.

    At most ``4 * jobs`` lines are in flight, so memory stays flat on huge inputs.
    """
    from m1env.verifiers import Score, get_verifier

    verifier = get_verifier(verifier_name)

    def one(record: dict[str, Any]) -> Score:
        options = dict(record.get("options") or {})
        if timeout is not None:
            options["timeout"] = timeout
        return verifier.verify(record["response"], record["reference"], **options)

    pending: deque[tuple[dict[str, Any] | None, Future[Score] | Score]] = deque()
    with ThreadPoolExecutor(max_workers=jobs) as executor:
        for lineno, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                record = parse_line(raw.rstrip(b"\r\n"), lineno)
                pending.append((record, executor.submit(one, record)))
            except ValueError as exc:
                pending.append((None, Score.error(str(exc))))
            while len(pending) > 4 * jobs:
                yield _finish(pending.popleft(), details)
        while pending:
            yield _finish(pending.popleft(), details)


def _finish(item: tuple[dict[str, Any] | None, Any], details: bool) -> dict[str, Any]:
    record, outcome = item
    score = outcome.result() if isinstance(outcome, Future) else outcome
    return _result(record, score, details)


def run(args: argparse.Namespace) -> int:
    from m1env.cli._io import Progress, open_input, open_output, write_jsonl
    from m1env.verifiers import WorkerPool, get_verifier, set_default_pool

    if args.jobs < 1:
        raise SystemExit("m1env score: -j must be >= 1")
    get_verifier(args.verifier)  # fail fast on an unknown name
    set_default_pool(WorkerPool(args.jobs))
    progress = Progress("scored")
    counts: dict[str, int] = {}
    with open_input(args.input) as src, open_output(args.output) as out:
        for result in score_lines(
            iter(src), args.verifier, jobs=args.jobs, timeout=args.timeout, details=args.details
        ):
            write_jsonl(out, result)
            counts[result["status"]] = counts.get(result["status"], 0) + 1
            progress.update()
    progress.close()
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    print(f"m1env score: {progress.done} lines: {summary or 'none'}", file=sys.stderr)
    return 0
