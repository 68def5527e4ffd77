"""Write throughput of the episode store on SQLite and PostgreSQL.

One row per backend and operation, each op in its own transaction (what a worker does);
best of 3 rounds of ``-n`` operations each:

* ``episode``: ``record_episode`` of a ~1 KB response with its Score (task stored once).
* ``episode (raw driver)``: the peer -- the same two rows (episode + score) inserted
  with the bare DB-API driver (``sqlite3`` / ``psycopg``) in one transaction, no
  validation or sanitising: the ``ratio`` column is our rate over this floor.
* ``job cycle``: ``claim_job`` + ``start_attempt`` + ``finish_job`` (three
  transactions), one thread; ``job cycle x4``: the same from 4 threads on distinct keys.
* ``redelivery``: ``finish_job`` on an already finished job (the exactly-once path).

    .venv/bin/python bench/store.py [-n 500] [--postgres URL]

PostgreSQL runs in a throw-away schema that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, text

from m1env.store import EpisodeStore
from m1env.task import Task, user_prompt
from m1env.verifiers.score import Score

TASK = Task("bench/1", "m1env/Math-v0", user_prompt("What is 6*7?"), 42, {"difficulty": 3})
RESPONSE = "Let me think. " * 70 + "<answer>42</answer>"
SCORE = Score.correct("matched", answer="42")


ROUNDS = 3


def rate(n: int, fn: Callable[[int], object]) -> float:
    """Best of ROUNDS rounds of n calls: the machine is shared, the best is the least
    disturbed."""
    best = 0.0
    for r in range(ROUNDS):
        start = time.perf_counter()
        for i in range(r * n, (r + 1) * n):
            fn(i)
        best = max(best, n / (time.perf_counter() - start))
    return best


def raw_insert(url: str, n: int, schema: str | None) -> float:
    now = datetime.now(UTC)
    details = json.dumps(SCORE.details)
    conn: Any
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("PRAGMA synchronous = NORMAL")  # what the store's connections use
        ph = "?"
    else:
        import psycopg

        conn = psycopg.connect(
            url.replace("postgresql+psycopg", "postgresql").split("?")[0],
            autocommit=True,
            options=f"-csearch_path={schema}",
        )
        ph = "%s"
    episode = (
        "INSERT INTO episodes (task_id, env, response, response_chars, reward, status, "
        f"metadata, created_at) VALUES ({', '.join([ph] * 8)}) RETURNING id"
    )
    score = (
        "INSERT INTO scores (episode_id, score, status, reason, details, created_at) "
        f"VALUES ({', '.join([ph] * 6)})"
    )

    def one(_: int) -> None:
        cur = conn.cursor()
        cur.execute("BEGIN")
        cur.execute(
            episode, (TASK.id, TASK.env, RESPONSE, len(RESPONSE), 1.0, "correct", "{}", now)
        )
        (eid,) = cur.fetchone()
        cur.execute(score, (eid, 1.0, "correct", "matched", details, now))
        cur.execute("COMMIT")

    result = rate(n, one)
    conn.close()
    return result


def bench(name: str, url: str, n: int, schema: str | None) -> list[tuple[str, str, float, str]]:
    rows = []
    with EpisodeStore(url, migrate=True) as store:
        store.add_task(TASK)
        ours = rate(n, lambda _: store.record_episode(TASK, RESPONSE, SCORE, run_id="b"))
        peer = raw_insert(url, n, schema)
        rows.append((name, "episode", ours, f"{ours / peer:.2f}"))
        rows.append((name, "episode (raw driver)", peer, "1.00"))
        tag = uuid.uuid4().hex[:6]

        def cycle(i: int, prefix: str = "a") -> None:
            job, _ = store.claim_job(f"{tag}-{prefix}-{i}", "math", {"i": i})
            store.start_attempt(job.id)
            store.finish_job(job.id, SCORE)

        rows.append((name, "job cycle", rate(n, cycle), ""))
        with ThreadPoolExecutor(4) as pool:
            threaded = rate(1, lambda r: list(pool.map(lambda i: cycle(i, f"t{r}"), range(n))))
        rows.append((name, "job cycle x4", threaded * n, ""))
        job, _ = store.claim_job(f"{tag}-again", "math", {})
        store.finish_job(job.id, SCORE)
        rows.append((name, "redelivery", rate(n, lambda _: store.finish_job(job.id, SCORE)), ""))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=500)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "M1ENV_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
        help="PostgreSQL URL ('' to skip)",
    )
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += bench("sqlite", f"sqlite:///{tmp}/bench.db", args.n, None)
    if args.postgres:
        schema = f"m1env_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            url = f"{args.postgres}?options=-csearch_path%3D{schema}"
            rows += bench("postgresql", url, args.n, schema)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    print(f"{'backend':<11} {'operation':<21} {'ops/s':>8} {'ratio':>6}")
    for backend, op, ops, ratio in rows:
        print(f"{backend:<11} {op:<21} {ops:>8.0f} {ratio:>6}")


if __name__ == "__main__":
    main()
