"""Grading latency of the ``swe`` verifier on the bundled tasks (bwrap backend).

For each task, the gold patch is graded ``--repeat`` times through ``SWEVerifier``
(patch + restore + test_patch on the host, pytest with a JUnit report in the sandbox,
judging) and compared side by side with the unsandboxed floor: the same prepared tree
run by a bare ``python -m pytest`` subprocess (this venv's interpreter, plugin
auto-loading off as in the sandbox; timed including the host-side preparation). Prints a table
of p50/p90 milliseconds and the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from m1env.verifiers.swe import SWEVerifier, load_instances
from m1env.verifiers.swe.grade import _prepare

TASKS = Path(__file__).resolve().parent.parent / "m1env" / "data" / "swe" / "tasks.jsonl"


def _bare(instance, patch: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        _prepare(instance, patch, Path(tmp))
        files = sorted({t.split("::", 1)[0] for t in instance.tests})
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             f"--junitxml={tmp}/r.xml", *files],
            cwd=tmp, capture_output=True, check=False,
            env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"bare pytest failed on {instance.instance_id}")
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    verifier = SWEVerifier()
    print(f"{'task':<22}{'grade p50':>10}{'p90':>8}{'bare p50':>10}{'ratio':>7}")
    for inst in load_instances(TASKS):
        ref = inst.to_dict()
        graded, bare = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            score = verifier.verify(inst.patch, ref)
            graded.append(time.perf_counter() - start)
            if score.score != 1.0:
                raise SystemExit(f"gold patch did not resolve {inst.instance_id}: {score.reason}")
            bare.append(_bare(inst, inst.patch))
        g50 = statistics.median(graded) * 1e3
        g90 = statistics.quantiles(graded, n=10)[-1] * 1e3
        b50 = statistics.median(bare) * 1e3
        print(f"{inst.instance_id:<22}{g50:>10.0f}{g90:>8.0f}{b50:>10.0f}{g50 / b50:>7.2f}")


if __name__ == "__main__":
    main()
