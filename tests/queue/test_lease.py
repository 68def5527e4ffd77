"""Leases: a job whose worker died is re-sent within its lease, whatever its time limit;
a live job that outlasts its lease keeps renewing it and runs once."""

from __future__ import annotations

import time
from contextlib import closing
from pathlib import Path

import tests.service.helpers  # noqa: F401  (test/* verifiers)
from m1env.queue import QueueConfig, get_app
from m1env.queue.dispatch import submit
from m1env.store import EpisodeStore
from tests.queue.conftest import Worker, start_worker
from tests.queue.test_worker import quick, wait_all


def _wait_state(store: EpisodeStore, job_id: int, state: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while (job := store.get_job(job_id)) is None or job.state != state:
        assert time.monotonic() < deadline, f"job {job_id} never {state}: {job}"
        time.sleep(0.05)


def test_a_dead_workers_job_is_resent_within_its_lease(
    db_url: str, broker_url: str, workers: list[Worker], tmp_path: Path
) -> None:
    # The hard time limit stays at its default (300 s): before leases, the sweeper waited
    # that long (plus 5 s) before re-sending a running job.
    options = {"concurrency": 1, "lease": 4, "sweep_interval": 1}
    worker_a = start_worker(workers, db_url, broker_url, tmp_path, **options)
    app = get_app(QueueConfig(broker_url=broker_url, database_url=db_url))
    with closing(EpisodeStore(db_url)) as store:
        ((job, _),) = submit(store, app, [("test/sleepy", quick("a", ms=6000), "lease-1")])
        _wait_state(store, job.id, "running", 30)
        worker_a.kill_group()
        died = time.monotonic()
        start_worker(workers, db_url, broker_url, tmp_path, **options)
        wait_all(store, [job.id], timeout=60)
        took = time.monotonic() - died
        done = store.get_job(job.id)
        assert done is not None and done.state == "done" and done.attempts == 2
        assert store.job_score(job.id).status == "correct"  # type: ignore[union-attr]
    # Lease 4 s + sweep 1 s + a worker start + the 6 s job again: well under 300 s.
    assert took < 40, f"re-sent and scored {took:.1f} s after its worker died"


def test_a_live_job_outlasting_its_lease_runs_once(
    db_url: str, broker_url: str, workers: list[Worker], tmp_path: Path
) -> None:
    start_worker(workers, db_url, broker_url, tmp_path, concurrency=2, lease=2, sweep_interval=0.5)
    app = get_app(QueueConfig(broker_url=broker_url, database_url=db_url))
    with closing(EpisodeStore(db_url)) as store:
        ((job, _),) = submit(store, app, [("test/sleepy", quick("a", ms=6000), "lease-2")])
        wait_all(store, [job.id], timeout=60)
        done = store.get_job(job.id)
        # A second delivery (a free pool process was waiting) would have counted an attempt.
        assert done is not None and done.state == "done" and done.attempts == 1
