"""Load test of the scoring service on loopback: embedded vs queue mode, 2 workers.

For each mode it starts ``m1env serve`` (and for queue mode ``m1env worker -c 2``)
as subprocesses, then drives ``POST /v1/score`` from an asyncio httpx client:
sequentially (latency of one request alone) and with ``--concurrency`` requests in
flight (throughput, p50/p99 under load), plus ``POST /v1/score/batch``. The peer is
the same verifier called in-process (``Verifier.verify`` in a loop, and over a pool of
2 threads), measured in the same run; the table shows the HTTP overhead per request.

    .venv/bin/python bench/service_load.py                    # math if installed, else exact
    .venv/bin/python bench/service_load.py --database-url postgresql+psycopg://...

Prints a Markdown table (and JSON with --json).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
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
        batch = [{"verifier": verifier, "response": r, "reference": ref}
                 for r, ref in (ITEMS * 25)]  # fmt: skip
        t = time.perf_counter()
        for _ in range(3):
            (await client.post("/v1/score/batch", json={"items": batch})).raise_for_status()
        batch_rps = 3 * len(batch) / (time.perf_counter() - t)
    return {"rps": n / elapsed, "p50_ms": pct(lat, 0.5) * 1e3, "p99_ms": pct(lat, 0.99) * 1e3,
            "errors": errors, "batch_items_per_s": batch_rps}  # fmt: skip


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


def run_mode(mode: str, args: argparse.Namespace, db_url: str) -> dict[str, Any]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "M1ENV_DATABASE_URL": db_url,
           "M1ENV_BROKER_URL": args.broker_url}  # fmt: skip
    exe = [sys.executable, "-m", "m1env.cli"]
    procs = []
    try:
        if mode == "queue":
            procs.append(subprocess.Popen(
                [*exe, "worker", "-c", "2", "--queues", "verify"], env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            ))  # fmt: skip
        procs.append(subprocess.Popen(
            [*exe, "serve", "--mode", mode, "--port", str(port), "--workers", "2"], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        ))  # fmt: skip
        wait_http(url, procs[-1])
        if mode == "queue":
            time.sleep(3)  # let the worker connect
        seq = asyncio.run(drive(url, args.verifier, args.sequential, 1))
        load = asyncio.run(drive(url, args.verifier, args.requests, args.concurrency))
        return {"mode": mode, "sequential": seq, "load": load}
    finally:
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)


def main() -> int:
    from m1env.verifiers import verifier_names

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = "math" if "math" in verifier_names() else "exact"
    parser.add_argument("--verifier", default=default)
    parser.add_argument("--requests", type=int, default=600, help="requests under load")
    parser.add_argument("--sequential", type=int, default=150)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite")
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--modes", default="embedded,queue")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    db_url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    from m1env.store import EpisodeStore

    EpisodeStore(db_url, migrate=True).close()
    base = in_process(args.verifier, args.sequential * 4)
    results = [run_mode(m, args, db_url) for m in args.modes.split(",")]
    load = os.getloadavg()[0]
    print(f"verifier `{args.verifier}`, {os.cpu_count()} CPUs, load avg {load:.2f}, "
          f"{args.concurrency} in flight, database {db_url.split(':')[0]}")  # fmt: skip
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
              f"{ld['p50_ms']:.2f} | {ld['p99_ms']:.2f} | {ld['batch_items_per_s']:.0f} | "
              f"+{over:.2f} ms |")  # fmt: skip
        if ld["errors"] or s["errors"]:
            print(f"  ({r['mode']}: {ld['errors'] + s['errors']} error responses)")
    if args.json:
        print(json.dumps({"in_process": base, "modes": results}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
