"""Load test of the scoring service on loopback: embedded vs queue mode, 2 workers.

For each mode it starts ``m1env serve`` (and for queue mode ``m1env worker -c 2``, on a
``redis-server`` of its own unless ``--broker-url``) as subprocesses, then drives
``POST /v1/score`` from an asyncio httpx client: sequentially (latency of one request
alone) and with ``--concurrency`` requests in flight (throughput, p50/p99 under load).
With both servers up, ``POST /v1/score/batch`` of ``--batch`` items runs ``--rounds``
times per mode, interleaved in shuffled order, and the medians and their ratio are
printed. Last, recovery: a code job sleeping 4 s is submitted in queue mode, its worker is
SIGKILLed mid-run and a new one started, and the time until the job runs again is printed. The peer is
the same verifier called in-process (``Verifier.verify`` in a loop, and over a pool of
2 threads), measured in the same run; the table shows the HTTP overhead per request.

    .venv/bin/python bench/service_load.py                    # math if installed, else exact
    .venv/bin/python bench/service_load.py --database-url postgresql+psycopg://...

Prints a Markdown table (and JSON with --json).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
EXE = [sys.executable, "-m", "m1env.cli"]
ITEMS = [
    ("The answer is <answer>\\frac{1}{2}</answer>", "1/2"),
    ("so x = <answer>42</answer>", "42"),
    ("<answer>3\\sqrt{2}</answer>", "3\\sqrt{2}"),
    ("therefore \\boxed{7}", "8"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def in_process(verifier_name: str, n: int) -> dict[str, float]:
    from m1env.verifiers import WorkerPool, get_verifier, set_default_pool

    set_default_pool(WorkerPool(2))
    v = get_verifier(verifier_name)
    for r, ref in ITEMS:
        v.verify(r, ref)
    lat = []
    start = time.perf_counter()
    for i in range(n):
        r, ref = ITEMS[i % len(ITEMS)]
        t = time.perf_counter()
        v.verify(r, ref)
        lat.append(time.perf_counter() - t)
    seq = time.perf_counter() - start
    with ThreadPoolExecutor(2) as pool:
        start = time.perf_counter()
        list(pool.map(lambda i: v.verify(*ITEMS[i % len(ITEMS)]), range(n)))
        par = time.perf_counter() - start
    return {"seq_rps": n / seq, "par_rps": n / par, "p50_ms": pct(lat, 0.5) * 1e3,
            "p99_ms": pct(lat, 0.99) * 1e3}  # fmt: skip


async def drive(url: str, verifier: str, n: int, concurrency: int) -> dict[str, float]:
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        for r, ref in ITEMS:  # warm up
            (await client.post("/v1/score", json={"verifier": verifier, "response": r,
                                                  "reference": ref})).raise_for_status()  # fmt: skip
        lat: list[float] = []
        errors = 0
        next_i = 0

        async def one() -> None:
            nonlocal next_i, errors
            while next_i < n:
                i = next_i
                next_i += 1
                r, ref = ITEMS[i % len(ITEMS)]
                t = time.perf_counter()
                resp = await client.post(
                    "/v1/score", json={"verifier": verifier, "response": r, "reference": ref}
                )
                lat.append(time.perf_counter() - t)
                if resp.status_code != 200 or resp.json()["status"] == "error":
                    errors += 1

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return {"rps": n / elapsed, "p50_ms": pct(lat, 0.5) * 1e3, "p99_ms": pct(lat, 0.99) * 1e3,
            "errors": errors}  # fmt: skip


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not start")


def start_mode(
    mode: str, args: argparse.Namespace, db_url: str, broker: str
) -> tuple[str, list[subprocess.Popen[bytes]]]:
    """``m1env serve`` in ``mode`` (and for queue mode ``m1env worker -c 2``): its URL and
    processes, once it answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "M1ENV_DATABASE_URL": db_url,
           "M1ENV_BROKER_URL": broker}  # fmt: skip
    procs = []
    if mode == "queue":
        procs.append(start_worker(env))
    procs.append(subprocess.Popen(
        [*EXE, "serve", "--mode", mode, "--port", str(port), "--workers", "2"], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    ))  # fmt: skip
    wait_http(url, procs[-1])
    if mode == "queue":
        time.sleep(3)  # let the worker connect
    return url, procs


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*EXE, "worker", "-c", "2", "--queues", "verify,sandbox"], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)


async def batches(urls: dict[str, str], verifier: str, size: int, rounds: int) -> dict[str, float]:
    """Median items/s of ``POST /v1/score/batch`` per mode, the modes interleaved round by
    round in a shuffled order (a load spike hits both alike)."""
    items = [{"verifier": verifier, "response": r, "reference": ref}
             for r, ref in (ITEMS * (size // len(ITEMS) + 1))[:size]]  # fmt: skip
    rates: dict[str, list[float]] = {mode: [] for mode in urls}
    rng = random.Random(0)
    async with httpx.AsyncClient(timeout=300) as client:
        for url in urls.values():  # warm up
            (await client.post(f"{url}/v1/score/batch", json={"items": items})).raise_for_status()
        for _ in range(rounds):
            order = list(urls)
            rng.shuffle(order)
            for mode in order:
                t = time.perf_counter()
                reply = await client.post(f"{urls[mode]}/v1/score/batch", json={"items": items})
                reply.raise_for_status()
                rates[mode].append(size / (time.perf_counter() - t))
    return {mode: statistics.median(r) for mode, r in rates.items()}


def recovery(url: str, procs: list[subprocess.Popen[bytes]], env: dict[str, str]) -> float:
    """Seconds from SIGKILLing the worker running a job to that job running again on a new
    worker (the lease lapses, the sweeper re-sends it; defaults: lease 20 s, sweep 10 s)."""
    code = "```python\nimport time\ntime.sleep(4)\nprint(int(input()) * 2)\n```"
    job = {"verifier": "code", "response": code,
           "reference": {"tests": [{"input": "3\n", "output": "6\n"}], "time_limit": 30}}  # fmt: skip
    created = httpx.post(f"{url}/v1/jobs", json=job, timeout=30).json()
    job_url = f"{url}/v1/jobs/{created['id']}"

    def state() -> dict[str, Any]:
        return dict(httpx.get(job_url, timeout=30).json())

    deadline = time.monotonic() + 60
    while state()["state"] != "running":
        if time.monotonic() > deadline:
            raise RuntimeError(f"the job never started: {state()}")
        time.sleep(0.05)
    worker = procs.pop(0)
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    killed = time.monotonic()
    procs.insert(0, start_worker(env))
    while (got := state())["attempts"] < 2 and got["state"] != "done":
        if time.monotonic() - killed > 600:
            raise RuntimeError(f"the job was not re-run: {got}")
        time.sleep(0.1)
    return time.monotonic() - killed


def main() -> int:
    from m1env.verifiers import verifier_names

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = "math" if "math" in verifier_names() else "exact"
    parser.add_argument("--verifier", default=default)
    parser.add_argument("--requests", type=int, default=600, help="requests under load")
    parser.add_argument("--sequential", type=int, default=150)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--batch", type=int, default=256, help="items per batch request")
    parser.add_argument("--rounds", type=int, default=8, help="batch rounds per mode")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite")
    parser.add_argument("--broker-url", default=None, help="default: a redis-server of its own")
    parser.add_argument("--no-recovery", action="store_true", help="skip the SIGKILL test")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    db_urls = {m: args.database_url or f"sqlite:///{tmp}/{m}.db" for m in ("embedded", "queue")}
    from m1env.store import EpisodeStore

    for db_url in set(db_urls.values()):
        EpisodeStore(db_url, migrate=True).close()
    redis_proc = None
    broker = args.broker_url
    if broker is None:
        port = free_port()
        redis_proc = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", tmp], stdout=subprocess.DEVNULL,
        )  # fmt: skip
        broker = f"redis://127.0.0.1:{port}/0"
        time.sleep(0.5)
    base = in_process(args.verifier, args.sequential * 4)
    running: dict[str, tuple[str, list[subprocess.Popen[bytes]]]] = {}
    results = []
    try:
        for mode in ("embedded", "queue"):
            running[mode] = start_mode(mode, args, db_urls[mode], broker)
            url = running[mode][0]
            seq = asyncio.run(drive(url, args.verifier, args.sequential, 1))
            load = asyncio.run(drive(url, args.verifier, args.requests, args.concurrency))
            results.append({"mode": mode, "sequential": seq, "load": load})
        urls = {mode: url for mode, (url, _) in running.items()}
        batch = asyncio.run(batches(urls, args.verifier, args.batch, args.rounds))
        recovered = None
        if not args.no_recovery:
            env = {**os.environ, "PYTHONPATH": str(ROOT), "M1ENV_DATABASE_URL": db_urls["queue"],
                   "M1ENV_BROKER_URL": broker}  # fmt: skip
            recovered = recovery(urls["queue"], running["queue"][1], env)
    finally:
        for _, procs in running.values():
            stop(procs)
        if redis_proc is not None:
            redis_proc.kill()
    load_avg = os.getloadavg()[0]
    print(f"verifier `{args.verifier}`, {os.cpu_count()} CPUs, load avg {load_avg:.2f}, "
          f"{args.concurrency} in flight, database {db_urls['queue'].split(':')[0]}")  # fmt: skip
    print()
    print("| path | req/s (1 in flight) | p50 ms (1) | req/s (load) | p50 ms (load) "
          "| p99 ms (load) | batch items/s | added p50 latency vs in-process |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    print(f"| in-process `verify` (peer) | {base['seq_rps']:.0f} | {base['p50_ms']:.3f} | "
          f"{base['par_rps']:.0f} (2 threads) | - | - | - | - |")  # fmt: skip
    for r in results:
        s, ld = r["sequential"], r["load"]
        over = s["p50_ms"] - base["p50_ms"]
        print(f"| HTTP {r['mode']} | {s['rps']:.0f} | {s['p50_ms']:.2f} | {ld['rps']:.0f} | "
              f"{ld['p50_ms']:.2f} | {ld['p99_ms']:.2f} | {batch[r['mode']]:.0f} | "
              f"+{over:.2f} ms |")  # fmt: skip
        if ld["errors"] or s["errors"]:
            print(f"  ({r['mode']}: {ld['errors'] + s['errors']} error responses)")
    print()
    print(f"batch of {args.batch}, median of {args.rounds} interleaved rounds: queue "
          f"{batch['queue']:.0f} items/s, embedded {batch['embedded']:.0f} items/s, "
          f"ratio {batch['queue'] / batch['embedded']:.2f}x")  # fmt: skip
    if recovered is not None:
        print(
            f"recovery: a job whose worker was SIGKILLed mid-run ran again {recovered:.1f} s "
            "later on a new worker (default lease 20 s, sweep every 10 s)"
        )
    if args.json:
        print(json.dumps({"in_process": base, "modes": results, "batch_items_per_s": batch,
                          "recovery_s": recovered}, indent=1))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
