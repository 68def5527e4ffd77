"""Sandbox latency and throughput per backend, beside the bare interpreter start.

Workloads:
  py-hello      ExecRequest(language="python3", source="print('hello')")
  c++-compile   compile + run a C++ hello-world (a fresh compile every job)
  c++-run       run an already compiled C++ program (Program.run, the verifier's loop)
Contenders: each backend named (the process backend acknowledged: the jobs are ours),
and with bwrap also "bwrap no-sc": the same backend without its seccomp filter, which
prices the filter (it exists only in this script).
Floors (no sandbox, same machine, same run):
  bare          /usr/bin/python3 -c pass; g++ -O2 + ./main in a fresh dir; ./main
  bare -I -B    /usr/bin/python3 -I -B -c pass (py-hello only): the flags the sandbox's
                python3 language runs with, for a like-for-like second ratio

The machine is shared, so contenders are interleaved: every round runs one batch
(``conc`` jobs at once) of each contender in a shuffled order, and load spikes hit
all of them alike.  Latency is per job; jobs/s is jobs / summed batch wall time.
For docker the pool refills while the other contenders run (a job finds a warm
container); the "docker b2b" rows run docker alone, back to back, which measures the
sustained rate at which dockerd can start containers.  Likewise bwrap starts the
next job's sandbox ahead of time when a job's shape repeats (see m1env.sandbox._slots);
"bwrap b2b" runs bwrap alone, back to back, so that building the next sandbox
competes with the current job.

    .venv/bin/python bench/sandbox_latency.py [--backends bwrap,docker,process] [--quick]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from m1env import sandbox
from m1env.sandbox import ExecRequest
from m1env.sandbox.backends.bwrap import BwrapBackend

CPP = '#include <cstdio>\nint main() { std::puts("hello"); return 0; }\n'
PY = "print('hello')"
WORKLOADS = ("py-hello", "c++-compile", "c++-run")
Job = Callable[[], object]
#: 1-minute load average sampled at every round.
LOADS: list[float] = []


class _UnfilteredBwrap(BwrapBackend):
    """bwrap without the seccomp filter, to measure what the filter costs."""

    def _options(
        self, step: sandbox.Step, workdir: str, seccomp_fd: int, block_fd: int | None = None
    ) -> list[str]:
        options = super()._options(step, workdir, seccomp_fd, block_fd)
        at = options.index("--seccomp")
        return options[:at] + options[at + 2 :]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(p / 100 * (len(xs) - 1))))]


def timed(fn: Job) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def batch(pool: ThreadPoolExecutor, fn: Job, conc: int) -> tuple[list[float], float]:
    t = time.perf_counter()
    lat = list(pool.map(lambda _: timed(fn), range(conc)))
    return lat, time.perf_counter() - t


def bare_jobs(tmp: str) -> dict[str, Job]:
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

    return {
        "py-hello": partial(subprocess.run, ["/usr/bin/python3", "-c", "pass"], check=True),
        "py-hello -I -B": partial(
            subprocess.run, ["/usr/bin/python3", "-I", "-B", "-c", "pass"], check=True
        ),
        "c++-compile": compile_and_run,
        "c++-run": partial(
            subprocess.run, [os.path.join(tmp, "main")], check=True, capture_output=True
        ),
    }


def checked(fn: Callable[[], sandbox.ExecResult]) -> Job:
    def call() -> object:
        res = fn()
        if res.verdict != "ok" or "hello" not in res.stdout:
            raise SystemExit(f"benchmark job failed: {res}")
        return res

    return call


def backend_jobs(backend: sandbox.Backend) -> dict[str, Job]:
    prog = backend.prepare(ExecRequest(language="c++", source=CPP))
    return {
        "py-hello": checked(partial(backend.run, ExecRequest(language="python3", source=PY))),
        "c++-compile": checked(partial(backend.run, ExecRequest(language="c++", source=CPP))),
        "c++-run": checked(prog.run),
    }


Row = tuple[str, str, str, int, list[float], float]  # group, name, work, conc, lat, jobs/s


def interleave(
    pool: ThreadPoolExecutor,
    contenders: dict[str, dict[str, Job]],
    work: str,
    conc: int,
    rounds: int,
    rng: random.Random,
    before_round: Callable[[], None] | None = None,
) -> dict[str, tuple[list[float], float]]:
    lat: dict[str, list[float]] = {name: [] for name in contenders}
    wall = dict.fromkeys(contenders, 0.0)
    for name in contenders:  # warm-up
        contenders[name][work]()
    for _ in range(rounds):
        LOADS.append(os.getloadavg()[0])
        if before_round is not None:
            before_round()
        order = list(contenders)
        rng.shuffle(order)
        for name in order:
            got, took = batch(pool, contenders[name][work], conc)
            lat[name] += got
            wall[name] += took
    return {name: (lat[name], len(lat[name]) / wall[name]) for name in contenders}


def fill_pool(docker: sandbox.Backend) -> None:
    """Wait until the docker pool holds warm containers for both job shapes."""
    docker.prewarm()  # type: ignore[attr-defined]
    docker.prewarm(sandbox.COMPILE_LIMITS)  # type: ignore[attr-defined]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--backends", default="bwrap,docker,process")
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = ap.parse_args()
    rounds = {"py-hello": 40, "c++-compile": 8, "c++-run": 40}
    if args.quick:
        rounds = {k: max(3, v // 4) for k, v in rounds.items()}
    warnings.simplefilter("ignore", RuntimeWarning)  # the process backend's warning
    load0 = os.getloadavg()
    tmp = tempfile.mkdtemp(prefix="m1env-bench-")
    bare = bare_jobs(tmp)
    local: dict[str, dict[str, Job]] = {"bare": bare}
    backends: dict[str, sandbox.Backend] = {}
    available = sandbox.available_backends()
    for name in args.backends.split(","):
        ok, why = available[name]
        if not ok:
            print(f"skip {name}: {why}")
            continue
        backends[name] = sandbox.get_backend(name, allow_unsandboxed=name == "process")
        if name != "docker":
            local[name] = backend_jobs(backends[name])
        if name == "bwrap":
            backends["bwrap no-sc"] = _UnfilteredBwrap()
            local["bwrap no-sc"] = backend_jobs(backends["bwrap no-sc"])

    rows: list[Row] = []
    rng = random.Random(0)
    for conc in (1, 2):
        with ThreadPoolExecutor(conc) as pool:
            for work in WORKLOADS:
                contenders = dict(local)
                if work == "py-hello":
                    flags = {"py-hello": bare["py-hello -I -B"]}
                    contenders["bare -I -B"] = flags
                for name, (lat, thr) in interleave(
                    pool, contenders, work, conc, rounds[work], rng
                ).items():
                    rows.append(("local", name, work, conc, lat, thr))
                if "bwrap" in local:
                    # Back to back: the next job's sandbox is started ahead of time
                    # while the last job is finished, not during other work.
                    b2b: list[float] = []
                    took = 0.0
                    for _ in range(rounds[work]):
                        b_lat, b_wall = batch(pool, local["bwrap"][work], conc)
                        b2b += b_lat
                        took += b_wall
                    rows.append(("local", "bwrap b2b", work, conc, b2b, len(b2b) / took))
            if "docker" not in backends:
                continue
            docker = backends["docker"]
            fill = partial(fill_pool, docker)
            paired = {"bare": bare, "docker": backend_jobs(docker)}
            for work in WORKLOADS:
                got = interleave(pool, paired, work, conc, rounds[work], rng, before_round=fill)
                for name, (lat, thr) in got.items():
                    rows.append(("docker", name, work, conc, lat, thr))
                b2b: list[float] = []
                took = 0.0
                for _ in range(rounds[work]):
                    b_lat, b_wall = batch(pool, paired["docker"][work], conc)
                    b2b += b_lat
                    took += b_wall
                rows.append(("docker", "docker b2b", work, conc, b2b, len(b2b) / took))
    for backend in backends.values():
        backend.close()
    shutil.rmtree(tmp)

    floors = {(g, w, c): statistics.median(lat) for g, n, w, c, lat, _ in rows if n == "bare"}
    print(f"\nload average before: {load0[0]:.2f} {load0[1]:.2f}; after: "
          f"{os.getloadavg()[0]:.2f}; during (per round): median "
          f"{statistics.median(LOADS):.2f}, min {min(LOADS):.2f}, max {max(LOADS):.2f}; "
          f"CPUs: {os.cpu_count()}; nice: {os.nice(0)}; sandbox job cap: "
          f"{sandbox.get_limiter().max_jobs}\n")  # fmt: skip
    head = (f"{'backend':<11} {'workload':<12} {'conc':>4} {'jobs':>4} {'p50 ms':>8} "
            f"{'p99 ms':>8} {'jobs/s':>7} {'p50/bare':>8}")  # fmt: skip
    for group, title in (("local", "bare / bwrap / process, interleaved"),
                         ("docker", "docker: pool refilled before each round, bare interleaved; "
                                    "b2b = back to back")):  # fmt: skip
        print(f"{title}\n{head}\n{'-' * len(head)}")
        for g, name, work, conc, jobs, thr in sorted(rows, key=lambda r: (r[2], r[3])):
            if g != group:
                continue
            p50 = statistics.median(jobs)
            print(f"{name:<11} {work:<12} {conc:>4} {len(jobs):>4} {p50 * 1e3:>8.1f} "
                  f"{pct(jobs, 99) * 1e3:>8.1f} {thr:>7.1f} "
                  f"{p50 / floors[(g, work, conc)]:>7.2f}x")  # fmt: skip
        print()
    flags_floor = {c: statistics.median(lat) for g, n, w, c, lat, _ in rows if n == "bare -I -B"}
    for g, name, work, conc, jobs, _ in rows:
        if g == "local" and work == "py-hello" and name not in ("bare", "bare -I -B", "process"):
            print(f"{name} py-hello, {conc} job(s): p50 {statistics.median(jobs) / flags_floor[conc]:.2f}x "
                  f"of python3 -I -B -c pass")  # fmt: skip
    p50 = {(n, w, c): statistics.median(lat) for g, n, w, c, lat, _ in rows if g == "local"}
    for work, conc in sorted({(w, c) for n, w, c in p50 if n == "bwrap no-sc"}):
        print(f"seccomp filter, {work}, {conc} job(s): bwrap p50 "
              f"{p50[('bwrap', work, conc)] / p50[('bwrap no-sc', work, conc)]:.3f}x of bwrap "
              f"without it")  # fmt: skip


if __name__ == "__main__":
    main()
