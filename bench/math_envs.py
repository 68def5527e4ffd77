"""Throughput of the procedural math families and of scoring their worked solutions.

Prints one row per family: problems generated per second (all difficulties 1-10,
one process) and worked solutions scored per second by the ``math`` verifier
in-process (``check``), plus the bundled sample set's load time. No peer: this
records what a rollout worker pays per task.

    .venv/bin/python bench/math_envs.py [-n 2000]
"""

from __future__ import annotations

import argparse
import time

from m1env.data import MATH_SAMPLE
from m1env.envs.math import load_family
from m1env.envs.math.dataset import load_dataset
from m1env.envs.math.mixture import MixtureGenerator
from m1env.sources import Generator
from m1env.verifiers.math import MathVerifier

FAMILIES = ("arithmetic", "fractions", "linear", "quadratic", "word_problems")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=2000, help="problems per family")
    n = parser.parse_args().n
    verifier = MathVerifier()
    print(f"{'family':<14} {'generate/s':>11} {'score/s':>9} {'correct':>8}")
    generators: list[tuple[str, Generator]] = [
        (name, load_family(name).generate) for name in FAMILIES
    ]
    generators.append(("mixture", MixtureGenerator()))
    for name, generate in generators:
        start = time.perf_counter()
        problems = [generate(0, i, 1 + i % 10) for i in range(n)]
        gen_rate = n / (time.perf_counter() - start)
        start = time.perf_counter()
        correct = sum(
            verifier.check(p.solution or "", p.answer).status == "correct" for p in problems
        )
        score_rate = n / (time.perf_counter() - start)
        print(f"{name:<14} {gen_rate:>11.0f} {score_rate:>9.0f} {correct / n:>8.1%}")
    start = time.perf_counter()
    loaded = load_dataset(MATH_SAMPLE)
    print(
        f"bundled sample: {len(loaded.problems)} rows in {1000 * (time.perf_counter() - start):.1f} ms"
    )


if __name__ == "__main__":
    main()
