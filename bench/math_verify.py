"""Accuracy and throughput of ``m1env.verifiers.math`` against Math-Verify 0.9.0.

Both score the same labelled pairs (``bench/data/math_pairs.jsonl``, written by hand,
see ``bench/data/make_math_pairs.py``). A pair's ``options.rel_tol`` is passed to our
verifier as is and to Math-Verify as ``float_rounding`` (the number of decimal
places it implies), so neither side is denied the tolerance the label assumes.

Throughput (pairs/s) is measured side by side in this one run, after both sides are
warmed up on a separate warm-up set (imports done, sympy loaded):

- ``ours in-process``: ``MathVerifier.check`` in this process, parse caches cleared
  before every timed pass (so reference caching does not inflate the number);
- ``ours 1 worker`` / ``ours -j 2``: the production path ``Verifier.verify`` through a
  killable ``WorkerPool`` of 1 / 2 processes (2 caller threads for ``-j 2``), the
  workers' caches cleared before every timed pass;
- ``math-verify 1 proc``: ``parse`` + ``verify`` warm, in this process (the peer); the
  reference is given to ``parse`` as ``$ref$``, as Math-Verify's README writes gold;
- ``math-verify -j 2``: the same in a 2-process ``multiprocessing`` pool (chunks of 8).

Usage: ``python bench/math_verify.py [--pairs FILE] [--json OUT] [--show-errors]``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import multiprocessing as mp
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# This file's name would shadow the ``math_verify`` package: drop its folder from the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from m1env.verifiers.pool import WorkerPool  # noqa: E402

DEFAULT_PAIRS = ROOT / "bench" / "data" / "math_pairs.jsonl"
WARMUP = [
    ("\\boxed{\\sqrt{8}}", "2\\sqrt{2}"),
    ("\\boxed{\\frac{1}{2}}", "0.5"),
    ("The answer is $x^2+1$", "1+x^2"),
    ("<answer>(1, 2]</answer>", "(1,2]"),
    ("\\boxed{\\{1,2\\}}", "\\{2,1\\}"),
    ("\\boxed{e^{i\\pi}}", "-1"),
    ("#### 1,000", "1000"),
    ("\\boxed{30^\\circ}", "\\frac{\\pi}{6}"),
]


def load(path: Path) -> list[dict[str, Any]]:
    with path.open() as fh:
        return [json.loads(line) for line in fh if line.strip()]


# -- ours --------------------------------------------------------------------------


def _clear_caches() -> None:
    from m1env.verifiers.math import values, verifier

    importlib.import_module("m1env.verifiers.math.parse").parse.cache_clear()
    verifier._prepare_reference.cache_clear()
    values.free_symbols.cache_clear()
    values.has_decimal.cache_clear()
    values.has_pm.cache_clear()


def ours_check(pairs: list[dict[str, Any]], preset: str = "strict") -> list[str]:
    from m1env.verifiers.math import MathVerifier

    v = MathVerifier()
    return [
        v.check(p["response"], p["reference"], preset=preset, **p.get("options", {})).status
        for p in pairs
    ]


def _clear_caches_slowly() -> None:
    _clear_caches()
    time.sleep(0.05)  # keeps this worker busy so a concurrent call reaches the other one


def clear_pool_caches(pool: WorkerPool, jobs: int) -> None:
    with ThreadPoolExecutor(jobs) as ex:
        list(ex.map(lambda _: pool.call(_clear_caches_slowly, timeout=10), range(jobs)))


def ours_pool(pairs: list[dict[str, Any]], pool: WorkerPool, jobs: int) -> list[str]:
    from m1env.verifiers.math import MathVerifier

    v = MathVerifier()

    def one(p: dict[str, Any]) -> str:
        return v.verify(p["response"], p["reference"], pool=pool, **p.get("options", {})).status

    if jobs == 1:
        return [one(p) for p in pairs]
    with ThreadPoolExecutor(jobs) as ex:
        return list(ex.map(one, pairs))


# -- Math-Verify -------------------------------------------------------------------


def _rounding(options: dict[str, Any]) -> int:
    tol = options.get("rel_tol")
    return 6 if not tol else max(0, round(-math.log10(tol)))


def mv_one(pair: dict[str, Any]) -> str:
    # importlib: this file's own name would shadow the package for type checkers
    mv = importlib.import_module("math_verify")
    parse, verify = mv.parse, mv.verify
    try:
        ref = str(pair["reference"])
        gold = parse(ref if "$" in ref else f"${ref}$")  # as Math-Verify's README writes gold
        pred = parse(pair["response"])
        ok = verify(gold, pred, float_rounding=_rounding(pair.get("options", {})))
        return "correct" if ok else "incorrect"
    except Exception:  # Math-Verify raising is scored like our error status
        return "error"


def mv_warm() -> None:
    for resp, ref in WARMUP:
        mv_one({"response": resp, "reference": ref})


def mv_all(pairs: list[dict[str, Any]]) -> list[str]:
    return [mv_one(p) for p in pairs]


# -- measurement -------------------------------------------------------------------


def timed(
    fn: Any, n: int, *, min_seconds: float, max_passes: int = 20, before: Any = None
) -> tuple[list[str], float]:
    """Run ``fn`` in passes until ``min_seconds`` have elapsed; median pairs/s."""
    rates: list[float] = []
    result: list[str] = []
    total = 0.0
    while (total < min_seconds or not rates) and len(rates) < max_passes:
        if before is not None:
            before()
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        total += elapsed
        rates.append(n / elapsed)
    return result, statistics.median(rates)


def accuracy(pairs: list[dict[str, Any]], statuses: list[str]) -> dict[str, Any]:
    fp = fn = errors = 0
    per_cat: dict[str, Counter[str]] = defaultdict(Counter)
    wrong: list[dict[str, Any]] = []
    for p, status in zip(pairs, statuses, strict=True):
        predicted = status == "correct"
        errors += status == "error"
        cat = per_cat[p["category"]]
        cat["n"] += 1
        if predicted == p["label"]:
            cat["ok"] += 1
            continue
        if predicted:
            fp += 1
            cat["fp"] += 1
        else:
            fn += 1
            cat["fn"] += 1
        wrong.append({"id": p["id"], "label": p["label"], "status": status})
    n = len(pairs)
    return {
        "n": n,
        "accuracy": (n - fp - fn) / n,
        "false_positives": fp,
        "false_negatives": fn,
        "errors": errors,
        "per_category": {k: dict(v) for k, v in sorted(per_cat.items())},
        "wrong": wrong,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=Path, default=DEFAULT_PAIRS)
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    parser.add_argument("--show-errors", action="store_true", help="list every misjudged pair")
    parser.add_argument("--min-seconds", type=float, default=3.0, help="timing per measurement")
    args = parser.parse_args(argv)

    pairs = load(args.pairs)
    n = len(pairs)
    by_id = {p["id"]: p for p in pairs}
    print(
        f"{n} labelled pairs from {args.pairs.relative_to(ROOT) if args.pairs.is_relative_to(ROOT) else args.pairs}"
    )
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")

    # Warm both sides.
    for resp, ref in WARMUP:
        ours_check([{"response": resp, "reference": ref}])
    mv_warm()

    rows: list[tuple[str, float]] = []
    ours_status, rate = timed(
        lambda: ours_check(pairs), n, min_seconds=args.min_seconds, before=_clear_caches
    )
    rows.append(("ours in-process (check)", rate))
    # The lenient preset, in-process only: the pool paths cost the same per call.
    lenient_status, rate = timed(
        lambda: ours_check(pairs, "lenient"), n, min_seconds=args.min_seconds, before=_clear_caches
    )
    rows.append(("ours lenient in-process", rate))
    mv_status, mv_rate = timed(lambda: mv_all(pairs), n, min_seconds=args.min_seconds, max_passes=3)
    rows.append(("math-verify 1 proc (peer)", mv_rate))

    for jobs in (1, 2):
        with WorkerPool(size=jobs) as pool:
            ours_pool([{"response": r, "reference": f} for r, f in WARMUP] * jobs, pool, jobs)
            pool_status, rate = timed(
                lambda pool=pool, jobs=jobs: ours_pool(pairs, pool, jobs),
                n,
                min_seconds=args.min_seconds,
                before=lambda pool=pool, jobs=jobs: clear_pool_caches(pool, jobs),
            )
        if pool_status != ours_status:
            diff = [
                p["id"] for p, a, b in zip(pairs, pool_status, ours_status, strict=True) if a != b
            ]
            print(f"warning: pooled results differ from in-process on {diff}")
        rows.append(
            (
                f"ours {jobs} worker{'s' if jobs > 1 else ''} (verify{', -j 2' if jobs == 2 else ''})",
                rate,
            )
        )

    ctx = mp.get_context("spawn")
    with ctx.Pool(2, initializer=mv_warm) as mvpool:
        mvpool.map(mv_one, pairs[:16], chunksize=8)  # both workers started and warm
        _, mv2_rate = timed(
            lambda: mvpool.map(mv_one, pairs, chunksize=8),
            n,
            min_seconds=args.min_seconds,
            max_passes=3,
        )
    rows.append(("math-verify -j 2", mv2_rate))

    ours_acc = accuracy(pairs, ours_status)
    lenient_acc = accuracy(pairs, lenient_status)
    mv_acc = accuracy(pairs, mv_status)

    print()
    print(f"{'':28} {'accuracy':>9} {'FP':>4} {'FN':>4} {'errors':>6}")
    for name, acc in (
        ("ours (m1env.verifiers.math)", ours_acc),
        ("ours, preset lenient", lenient_acc),
        ("math-verify 0.9.0", mv_acc),
    ):
        print(
            f"{name:28} {acc['accuracy']:9.3f} {acc['false_positives']:4d} {acc['false_negatives']:4d} {acc['errors']:6d}"
        )
    print()
    print(f"{'throughput':28} {'pairs/s':>9} {'vs peer':>8}")
    for name, rate in rows:
        print(f"{name:28} {rate:9.0f} {rate / mv_rate:7.1f}x")
    two = dict(rows)
    print(
        f"{'ratio at -j 2 (ours/peer -j 2)':40} {two['ours 2 workers (verify, -j 2)'] / mv2_rate:.1f}x"
    )
    print()
    cats = sorted(set(ours_acc["per_category"]) | set(mv_acc["per_category"]))
    print(
        f"{'category':12} {'n':>4} {'ours ok':>8} {'FP':>3} {'FN':>3}   {'MV ok':>6} {'FP':>3} {'FN':>3}"
    )
    for c in cats:
        a, b = ours_acc["per_category"][c], mv_acc["per_category"][c]
        print(
            f"{c:12} {a['n']:4d} {a.get('ok', 0):8d} {a.get('fp', 0):3d} {a.get('fn', 0):3d}   "
            f"{b.get('ok', 0):6d} {b.get('fp', 0):3d} {b.get('fn', 0):3d}"
        )
    print(f"machine load average {os.getloadavg()[0]:.2f} at end")

    if args.show_errors:
        for name, acc in (("ours", ours_acc), ("math-verify", mv_acc)):
            print(f"\n{name} misjudged:")
            for w in acc["wrong"]:
                p = by_id[w["id"]]
                print(
                    f"  {w['id']:16} label={p['label']!s:5} got={w['status']:9} ref={p['reference']!r:30.30} resp={p['response'][-70:]!r}"
                )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "pairs": n,
                    "ours": ours_acc,
                    "ours_lenient": lenient_acc,
                    "math_verify": mv_acc,
                    "throughput": dict(rows),
                    "math_verify_j2": mv2_rate,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
