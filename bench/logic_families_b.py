"""Items generated and verified per second for the logic-b families at difficulty 5.

For each family: ``gen/s`` generates items ``(seed 0, index i, difficulty 5)``;
``check/s`` scores each item's reference response in-process
(``LogicVerifier.check``: tag extraction + parsing + rule checking); ``verify/s``
scores the same responses through ``Verifier.verify``, the production path, which
runs the check in the killable worker pool (2 workers, one request at a time, so it
measures per-call latency including IPC). Where reasoning-gym has the same puzzle
(cryptarithm, graph colouring, word ladder) its generator and ``score_answer`` on its
own gold answer run side by side, at rg's default config, and the ratio is ours / rg.

    .venv/bin/python bench/logic_families_b.py [--items 200]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

from m1env.envs.logic.base import LogicVerifier, generate_problem
from m1env.sources import Problem
from m1env.verifiers import WorkerPool, set_default_pool

FAMILIES = [
    "calcudoku",
    "cryptarithm",
    "graph_coloring",
    "minesweeper",
    "nonogram",
    "sat",
    "takuzu",
    "word_ladder",
]
RG_PEER = {
    "cryptarithm": "cryptarithm",
    "graph_coloring": "graph_color",
    "word_ladder": "word_ladder",
}


def rate(n: int, fn: Callable[[int], Any]) -> float:
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - start)


def rg_rates(name: str, n: int) -> tuple[float, float] | None:
    try:
        import reasoning_gym
    except ImportError:
        return None
    ds = reasoning_gym.create_dataset(name, seed=0, size=n)
    entries: list[dict[str, Any]] = []
    gen = rate(n, lambda i: entries.append(ds[i]))

    def score(i: int) -> None:
        e = entries[i]
        answer = e["answer"] if e["answer"] is not None else str(e["metadata"]["possible_answer"])
        ds.score_answer(answer, e)

    return gen, rate(n, score)


def bench_family(family: str, n: int, d: int) -> str:
    problems: list[Problem] = []
    gen = rate(n, lambda i: problems.append(generate_problem(family, 0, i, d)))
    verifier = LogicVerifier(family)
    responses = [p.solution or "" for p in problems]
    for p, r in zip(problems[:3], responses, strict=False):
        assert verifier.verify(r, p.answer).status == "correct"
    check = rate(n, lambda i: verifier.check(responses[i], problems[i].answer))
    verify = rate(n, lambda i: verifier.verify(responses[i], problems[i].answer))
    peer = rg_rates(RG_PEER[family], n) if family in RG_PEER else None
    row = f"{family:<16}{gen:>10.0f}{check:>10.0f}{verify:>10.0f}"
    if peer is not None:
        row += f"{peer[0]:>10.0f}{peer[1]:>11.0f}{gen / peer[0]:>10.2f}{check / peer[1]:>12.2f}"
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--difficulty", type=int, default=5)
    args = parser.parse_args()
    n, d = args.items, args.difficulty
    set_default_pool(WorkerPool(2))
    print(f"# {n} items per family, difficulty {d}; load: {os.getloadavg()[0]:.2f}")
    print(
        f"{'family':<16}{'gen/s':>10}{'check/s':>10}{'verify/s':>10}"
        f"{'rg gen/s':>10}{'rg score/s':>11}{'gen ratio':>10}{'score ratio':>12}"
    )
    for family in FAMILIES:
        print(bench_family(family, n, d), flush=True)


if __name__ == "__main__":
    main()
