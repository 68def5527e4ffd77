"""One delivery of a job (run_job) and the sweeper, against the real store and Redis."""

from __future__ import annotations

from contextlib import closing

import redis

import tests.service.helpers  # noqa: F401  (test/* verifiers)
from m1env.queue import QueueConfig, get_app, run_job, sweep_once
from m1env.store import EpisodeStore
from m1env.verifiers import Score

PAYLOAD = {"response": "<answer>1</answer>", "reference": "1", "options": {}}


def test_run_job_scores_once_and_poison_stops_after_n(db_url: str) -> None:
    with closing(EpisodeStore(db_url)) as store:
        job, _ = store.claim_job("a", "exact", PAYLOAD)
        outcome = run_job(store, job.id, max_attempts=3)
        assert outcome is not None and outcome.written and outcome.score.status == "correct"
        assert run_job(store, job.id, max_attempts=3) is None  # redelivered: nothing written
        assert store.get_job(job.id).attempts == 1  # type: ignore[union-attr]

        # A job whose deliveries keep dying: attempts counted in SQL, then an error Score.
        poison, _ = store.claim_job("p", "exact", PAYLOAD)
        for _ in range(3):
            assert store.start_attempt(poison.id) is not None  # three deliveries died
        outcome = run_job(store, poison.id, max_attempts=3)
        assert outcome is not None and outcome.score.status == "error"
        assert "gave up after 3 attempts" in outcome.score.reason
        assert store.get_job(poison.id).state == "failed"  # type: ignore[union-attr]
        assert store.job_scores([job.id, poison.id]).keys() == {job.id, poison.id}

        unknown, _ = store.claim_job("u", "no-such-verifier", PAYLOAD)
        outcome = run_job(store, unknown.id, max_attempts=3)
        assert outcome is not None and "unknown verifier" in outcome.score.reason
        assert run_job(store, 10**9, max_attempts=3) is None  # a job of another database


def test_sweeper_republishes_only_stale_unfinished_jobs(db_url: str, broker_url: str) -> None:
    app = get_app(QueueConfig(broker_url=broker_url))
    r = redis.Redis.from_url(broker_url)
    with closing(EpisodeStore(db_url)) as store:
        done, _ = store.claim_job("done", "exact", PAYLOAD)
        run_job(store, done.id, max_attempts=3)
        lost = [store.claim_job(f"lost-{i}", "exact", PAYLOAD)[0].id for i in range(5)]
        code, _ = store.claim_job("code-1", "test/quick", PAYLOAD)
        assert sweep_once(store, app, stale_after_s=3600) == 0  # nothing is stale yet
        # A running job is left alone until its delivery must be dead (time limit).
        live, _ = store.claim_job("live", "exact", PAYLOAD)
        store.start_attempt(live.id)
        assert live.id not in [j for j, _ in store.stale_jobs(0.0, running_older_than_s=60)]
        assert live.id in [j for j, _ in store.stale_jobs(0.0, running_older_than_s=0.0)]
        store.finish_job(live.id, Score.correct())
        assert [j for j, _ in store.stale_jobs(0.0)] == [*lost, code.id]
        assert sweep_once(store, app, stale_after_s=0.0, chunk_size=2) == 6
        assert r.llen("verify") == 3  # 6 jobs in chunks of 2 (test/quick routes to verify)
        # Touched: the next sweep waits stale_after again before re-publishing.
        assert sweep_once(store, app, stale_after_s=30) == 0
