"""Sandbox latency and throughput per backend, beside the bare interpreter start.

Workloads:
  py-hello      ExecRequest(language="python3", source="print('hello')")
  c++-compile   compile + run a C++ hello-world (a fresh compile every job)
  c++-run       run an already compiled C++ program (Program.run, the verifier's loop)
Floors (no sandbox, same machine, measured in the same run):
  bare python   /usr/bin/python3 -c pass        (the floor for py-hello)
  bare c++      g++ -O2 + ./main in a temp dir  (the floor for c++-compile)
  bare exec     ./main of a compiled hello      (the floor for c++-run)

Each workload runs with 1 and with 2 concurrent jobs (threads calling the backend);
latency is per job, throughput is jobs / wall time of the batch.  For docker, "paced"
rows measure a job arriving when the warm pool is full (latency), the others
back-to-back (throughput is then bounded by how fast dockerd starts containers).

    .venv/bin/python bench/sandbox_latency.py [--backends bwrap,docker,process] [--quick]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import sandbox
from sandbox import ExecRequest

CPP = '#include <cstdio>\nint main() { std::puts("hello"); return 0; }\n'
PY = "print('hello')"


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(p / 100 * (len(xs) - 1))))]


def measure(fn: Callable[[], object], n: int, conc: int) -> tuple[list[float], float]:
    def one() -> float:
        t = time.perf_counter()
        fn()
        return time.perf_counter() - t

    fn()  # warm-up (imports, page cache, pools)
    start = time.perf_counter()
    if conc == 1:
        lat = [one() for _ in range(n)]
    else:
        with ThreadPoolExecutor(conc) as pool:
            lat = list(pool.map(lambda _: one(), range(n)))
    return lat, n / (time.perf_counter() - start)


def bare_python() -> None:
    subprocess.run(["/usr/bin/python3", "-c", "pass"], check=True)


def make_bare_cpp() -> tuple[Callable[[], None], Callable[[], None], str]:
    tmp = tempfile.mkdtemp(prefix="m1env-bench-")
    with open(os.path.join(tmp, "main.cpp"), "w") as fh:
        fh.write(CPP)
    subprocess.run(["/usr/bin/g++", "-O2", "-o", "main", "main.cpp"], cwd=tmp, check=True)

    def compile_and_run() -> None:
        d = tempfile.mkdtemp(dir=tmp)
        shutil.copy(os.path.join(tmp, "main.cpp"), d)
        subprocess.run(
            ["/usr/bin/g++", "-O2", "-pipe", "-o", "main", "main.cpp"], cwd=d, check=True
        )
        subprocess.run(["./main"], cwd=d, check=True, capture_output=True)
        shutil.rmtree(d)

    def run_only() -> None:
        subprocess.run([os.path.join(tmp, "main")], check=True, capture_output=True)

    return compile_and_run, run_only, tmp


def checked(fn: Callable[[], sandbox.ExecResult]) -> Callable[[], object]:
    def call() -> object:
        res = fn()
        if res.verdict != "ok" or "hello" not in res.stdout:
            raise SystemExit(f"benchmark job failed: {res}")
        return res

    return call


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--backends", default="bwrap,docker,process")
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = ap.parse_args()
    n_py, n_cc = (20, 4) if args.quick else (60, 12)
    warnings.simplefilter("ignore", RuntimeWarning)  # the process backend's warning
    load0 = os.getloadavg()
    rows: list[tuple[str, str, int, int, list[float], float, str]] = []

    bare_cc, bare_run, tmp = make_bare_cpp()
    floors: dict[str, float] = {}
    for conc in (1, 2):
        bare: list[tuple[str, Callable[[], object], int]] = [
            ("py-hello", bare_python, n_py),
            ("c++-compile", bare_cc, n_cc),
            ("c++-run", bare_run, n_py),
        ]
        for label, bfn, n in bare:
            lat, thr = measure(bfn, n, conc)
            floors.setdefault(f"{label}/{conc}", statistics.median(lat))
            rows.append(("bare", label, conc, n, lat, thr, label))
    shutil.rmtree(tmp)

    available = sandbox.available_backends()
    for name in args.backends.split(","):
        ok, why = available[name]
        if not ok:
            print(f"skip {name}: {why}")
            continue
        backend = sandbox.get_backend(name)
        prog = backend.prepare(ExecRequest(language="c++", source=CPP))
        py_req = ExecRequest(language="python3", source=PY)
        cc_req = ExecRequest(language="c++", source=CPP)
        work: list[tuple[str, Callable[[], object], int]] = [
            ("py-hello", checked(partial(backend.run, py_req)), n_py),
            ("c++-compile", checked(partial(backend.run, cc_req)), n_cc),
            ("c++-run", checked(prog.run), n_py),
        ]
        if name == "docker":
            prewarm = backend.prewarm  # type: ignore[attr-defined]
            for label, fn, n in work:
                lat = []
                for _ in range(min(n, 20)):
                    prewarm()
                    if label == "c++-compile":
                        prewarm(sandbox.COMPILE_LIMITS)
                    t = time.perf_counter()
                    fn()
                    lat.append(time.perf_counter() - t)
                rows.append((f"{name} paced", label, 1, len(lat), lat, float("nan"), label))
        for conc in (1, 2):
            for label, fn, n in work:
                lat, thr = measure(fn, n, conc)
                rows.append((name, label, conc, n, lat, thr, label))
        backend.close()

    print(f"\nload average before: {load0[0]:.2f} {load0[1]:.2f}; after: "
          f"{os.getloadavg()[0]:.2f}; CPUs: {os.cpu_count()}; sandbox job cap: "
          f"{sandbox.get_limiter().max_jobs}\n")  # fmt: skip
    head = f"{'backend':<14} {'workload':<12} {'conc':>4} {'n':>4} {'p50 ms':>8} {'p99 ms':>8} {'jobs/s':>7} {'p50/floor':>9}"
    print(head)
    print("-" * len(head))
    for backend_name, label, conc, n, lat, thr, floor_key in rows:
        p50 = statistics.median(lat)
        floor = floors[f"{floor_key}/{conc}"]
        thr_s = "-" if thr != thr else f"{thr:.1f}"
        print(f"{backend_name:<14} {label:<12} {conc:>4} {n:>4} {p50 * 1e3:>8.1f} "
              f"{pct(lat, 99) * 1e3:>8.1f} {thr_s:>7} {p50 / floor:>8.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
