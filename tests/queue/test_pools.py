"""No head-of-line blocking: each queue has a pool of its own in ``m1env worker``.

A judge whose server accepts connections and never answers holds a judge slot for its
whole timeout. One worker for ``verify`` and ``judge`` is given as many hung judge jobs
as it has slots, then maths jobs: the maths jobs must not wait for the judge.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

import tests.service.helpers  # noqa: F401  (test/quick)
from m1env.queue import QueueConfig, get_app
from m1env.queue.dispatch import submit
from m1env.store import EpisodeStore
from tests.queue.conftest import Worker, start_worker
from tests.queue.test_worker import quick, wait_all


@pytest.fixture
def silent_judge() -> Iterator[str]:
    """An OpenAI-compatible base URL whose server accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:  # closed at the end of the test
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    listener.close()
    for conn in held:
        conn.close()


def test_hung_judge_calls_do_not_starve_the_verify_queue(
    db_url: str, broker_url: str, silent_judge: str, workers: list[Worker], tmp_path: Path
) -> None:
    judge_jobs, math_jobs = 4, 20
    worker = start_worker(
        workers,
        db_url,
        broker_url,
        tmp_path,
        env={"M1ENV_JUDGE_URL": silent_judge},
        queues="verify,judge",
        concurrency=2,  # every queue: 2 slots each (it was 2 shared by both)
    )
    app = get_app(QueueConfig(broker_url=broker_url, database_url=db_url))
    judge = {"response": "4", "reference": {"question": "2+2?", "reference": "4"}, "options": {}}
    with closing(EpisodeStore(db_url)) as store:
        submit(
            store, app, [("judge", judge, f"judge-{i}") for i in range(judge_jobs)], chunk_size=1
        )
        time.sleep(1.0)  # the judge jobs are taken (and hang) before the maths jobs arrive
        start = time.monotonic()
        items = [("test/quick", quick("a"), f"math-{i}") for i in range(math_jobs)]
        ids = [job.id for job, _ in submit(store, app, items, chunk_size=1)]
        wait_all(store, ids, timeout=45)
        took = time.monotonic() - start
        print(f"\n{math_jobs} maths jobs behind {judge_jobs} hung judge calls: {took:.2f}s")
        assert took < 15, took
        assert all(store.job_score(i).status == "correct" for i in ids)  # type: ignore[union-attr]
    worker.kill_group()  # its judge calls would hang until the judge's timeout
