"""Scoring jobs: idempotent claims, attempt counting, exactly one score per job."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, func, select, update

from m1env.errors import StoreError
from m1env.store import Completion, EpisodeStore, JobOutcome
from m1env.store.models import ScoreRow, ScoringJobRow
from m1env.verifiers.score import Score

PAYLOAD = {"response": "<answer>4</answer>", "reference": 4, "options": {}}


def scores_of(url: str, job_id: int) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(
            select(func.count()).select_from(ScoreRow).where(ScoreRow.job_id == job_id)
        ).scalar_one()
    engine.dispose()
    return int(n)


def test_claim_is_idempotent_per_key(store: EpisodeStore):
    job, created = store.claim_job("req-1", "math", PAYLOAD)
    assert created and job.state == "queued" and job.attempts == 0 and job.payload == PAYLOAD
    again, created_again = store.claim_job("req-1", "math", PAYLOAD)
    assert not created_again and again.id == job.id
    other, created_other = store.claim_job("req-2", "math", PAYLOAD)
    assert created_other and other.id != job.id
    with pytest.raises(StoreError, match=r"already names job .* different payload"):
        store.claim_job("req-1", "math", {**PAYLOAD, "reference": 5})
    with pytest.raises(StoreError, match="verifier 'math'"):
        store.claim_job("req-1", "code", PAYLOAD)
    with pytest.raises(StoreError, match="idempotency_key must not be empty"):
        store.claim_job("", "math", PAYLOAD)
    with pytest.raises(StoreError, match="payload: set is not JSON"):
        store.claim_job("req-3", "math", {1})
    assert store.job_by_key("req-1") == store.get_job(job.id)
    assert store.job_by_key("req-404") is None and store.get_job(10**9) is None


def test_payload_with_nul_and_nan_claims_the_same_job_again(store: EpisodeStore):
    payload = {"response": "4\x00", "reference": float("nan")}
    job, _ = store.claim_job("weird", "math", payload)
    assert job.payload == {"response": "4\ufffd", "reference": "NaN"}
    assert store.claim_job("weird", "math", payload) == (job, False)


def test_attempts_finish_exactly_once(store: EpisodeStore, db_url: str):
    job, _ = store.claim_job("req-1", "math", PAYLOAD)
    assert store.job_score(job.id) is None
    assert store.start_attempt(job.id) == 1
    assert store.start_attempt(job.id) == 2  # a redelivery after a worker died
    first = store.finish_job(job.id, Score.correct("matched"), latency_s=0.01)
    assert first.written and first.score == Score.correct("matched")
    second = store.finish_job(job.id, Score.incorrect("a late duplicate"))
    assert second == JobOutcome(first.score_id, False, Score.correct("matched"))
    assert store.fail_job(job.id, "late failure") == second
    assert store.fail_job(job.id, "late transient", final=False) is None
    assert store.start_attempt(job.id) is None  # finished: nothing to do
    done = store.get_job(job.id)
    assert done is not None and done.finished
    assert (done.state, done.attempts, done.result_score_id) == ("done", 2, first.score_id)
    assert done.last_error is None and done.finished_at is not None
    assert store.job_score(job.id) == Score.correct("matched")
    assert scores_of(db_url, job.id) == 1
    with pytest.raises(StoreError, match="no scoring job with id"):
        store.start_attempt(10**9)
    with pytest.raises(StoreError, match="no scoring job with id"):
        store.finish_job(10**9, Score.correct())
    with pytest.raises(StoreError, match="needs a Score"):
        store.finish_job(job.id, {"score": 1.0})  # type: ignore[arg-type]


def test_a_chunk_is_started_uncounted_and_counted_as_its_scores_are_written(
    store: EpisodeStore, db_url: str
):
    claimed = store.claim_jobs([(f"chunk-{i}", "math", PAYLOAD) for i in range(5)])
    ids = [job.id for job, created in claimed]
    assert all(created for _, created in claimed)
    assert [store.get_job(i) for i in ids] == [job for job, _ in claimed]  # as inserted
    already = store.finish_job(ids[4], Score.correct("earlier delivery"))
    started = store.start_attempts(ids, count=False)
    assert [job.id for job in started] == ids[:4]  # the finished one is left out
    assert all(job.attempts == 1 for job in started)  # this delivery, not yet counted
    assert all(store.get_job(i).attempts == 0 for i in ids[:4])  # type: ignore[union-attr]
    results = [
        Completion(ids[0], Score.correct("a"), 0.01),
        Completion(ids[1], Score.incorrect("b")),
        Completion(ids[2], Score.error("gave up"), error="gave up after 3 attempts"),
        Completion(ids[4], Score.incorrect("a late duplicate")),
    ]
    outcomes = store.finish_jobs(results, count_attempts=True)
    assert [o.written for o in outcomes] == [True, True, True, False]
    assert outcomes[3] == already._replace(written=False)
    jobs = [store.get_job(i) for i in ids]
    assert [j.state for j in jobs] == ["done", "done", "failed", "running", "done"]  # type: ignore[union-attr]
    assert [j.attempts for j in jobs] == [1, 1, 1, 0, 0]  # type: ignore[union-attr]
    assert jobs[2].last_error == "gave up after 3 attempts"  # type: ignore[union-attr]
    assert store.job_scores(ids) == {
        ids[0]: Score.correct("a"),
        ids[1]: Score.incorrect("b"),
        ids[2]: Score.error("gave up after 3 attempts"),
        ids[4]: Score.correct("earlier delivery"),
    }
    assert all(scores_of(db_url, i) == 1 for i in (*ids[:3], ids[4]))
    with pytest.raises(StoreError, match="twice"):
        store.finish_jobs(
            [Completion(ids[3], Score.correct()), Completion(ids[3], Score.correct())]
        )
    with pytest.raises(StoreError, match="no scoring job with id"):
        store.finish_jobs([Completion(ids[3], Score.correct()), Completion(10**9, Score.correct())])
    assert store.get_job(ids[3]).state == "running"  # type: ignore[union-attr]  # all or nothing


def test_poison_job_ends_with_one_error_score(store: EpisodeStore, db_url: str):
    max_attempts = 3
    job, _ = store.claim_job("poison", "code", {"code": "while True: pass"})
    attempts = store.start_attempt(job.id)
    while attempts is not None and attempts <= max_attempts:
        store.fail_job(job.id, f"worker lost on attempt {attempts}", final=False)
        queued = store.get_job(job.id)
        assert queued is not None and queued.state == "queued"
        assert queued.last_error == f"worker lost on attempt {attempts}"
        attempts = store.start_attempt(job.id)
    assert attempts == max_attempts + 1
    outcome = store.fail_job(job.id, f"gave up after {max_attempts} attempts")
    assert outcome is not None and outcome.written
    assert outcome.score == Score.error(f"gave up after {max_attempts} attempts")
    failed = store.get_job(job.id)
    assert failed is not None and failed.state == "failed" and failed.attempts == 4
    assert not store.finish_job(job.id, Score.correct()).written
    assert scores_of(db_url, job.id) == 1


def test_unique_score_per_job_backs_up_the_row_lock(store: EpisodeStore, db_url: str):
    # Simulate a writer that got past the state check (a lost update): the job looks
    # unfinished again, but its score exists. The unique scores.job_id must hold.
    job, _ = store.claim_job("race", "math", PAYLOAD)
    first = store.finish_job(job.id, Score.correct())
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(
            update(ScoringJobRow).where(ScoringJobRow.id == job.id).values(state="running")
        )
    engine.dispose()
    again = store.finish_job(job.id, Score.incorrect("duplicate"))
    assert again == JobOutcome(first.score_id, False, Score.correct())
    assert scores_of(db_url, job.id) == 1


def _deliver(url: str, key: str, worker: int, barrier: threading.Barrier | None) -> JobOutcome:
    """One delivery of the same job, as a queue worker would handle it."""
    with EpisodeStore(url) as store:
        if barrier is not None:
            barrier.wait()
        job, _ = store.claim_job(key, "math", PAYLOAD)
        store.start_attempt(job.id)
        return store.finish_job(job.id, Score.correct(f"worker {worker}", worker=worker))


def _deliver_in_process(args: tuple[str, str, int]) -> tuple[int, bool, str]:
    outcome = _deliver(*args, barrier=None)
    return outcome.score_id, outcome.written, outcome.score.reason


@pytest.mark.parametrize("shared", [False, True], ids=["store-per-thread", "shared-store"])
def test_concurrent_threads_write_exactly_one_score(db_url: str, shared: bool):
    workers, key = 8, f"k-threads-{shared}"
    one = EpisodeStore(db_url)  # also migrates a fresh SQLite file before the race
    barrier = threading.Barrier(workers)

    def deliver(worker: int) -> JobOutcome:
        if not shared:
            return _deliver(db_url, key, worker, barrier)
        barrier.wait()
        job, _ = one.claim_job(key, "math", PAYLOAD)
        one.start_attempt(job.id)
        return one.finish_job(job.id, Score.correct(f"worker {worker}", worker=worker))

    with ThreadPoolExecutor(workers) as pool:
        outcomes = list(pool.map(deliver, range(workers)))
    one.close()
    assert sum(o.written for o in outcomes) == 1
    assert len({o.score_id for o in outcomes}) == 1
    assert len({o.score.reason for o in outcomes}) == 1  # everyone sees the winner's score
    with EpisodeStore(db_url) as store:
        job = store.job_by_key(key)
        # Deliveries that arrive after the finish are not counted as attempts.
        assert job is not None and job.state == "done" and 1 <= job.attempts <= workers
        assert scores_of(db_url, job.id) == 1


def test_concurrent_processes_write_exactly_one_score(db_url: str):
    workers = 4
    EpisodeStore(db_url).close()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers) as pool:
        outcomes = pool.map(_deliver_in_process, [(db_url, "k-procs", w) for w in range(workers)])
    assert sum(written for _, written, _ in outcomes) == 1
    assert len({score_id for score_id, _, _ in outcomes}) == 1
    assert len({reason for _, _, reason in outcomes}) == 1
    with EpisodeStore(db_url) as store:
        job = store.job_by_key("k-procs")
        assert job is not None and job.state == "done" and 1 <= job.attempts <= workers
        assert scores_of(db_url, job.id) == 1


def test_a_store_opened_before_fork_works_in_the_children(store: EpisodeStore, db_url: str):
    # Celery's prefork pool forks after the parent has used its store.
    parent_job, _ = store.claim_job("before-fork", "math", PAYLOAD)
    global _FORKED
    _FORKED = store
    with multiprocessing.get_context("fork").Pool(2) as pool:
        outcomes = pool.map(_finish_inherited, [parent_job.id] * 4)
    assert sum(written for _, written in outcomes) == 1
    assert len({score_id for score_id, _ in outcomes}) == 1
    assert store.finish_job(parent_job.id, Score.correct()).written is False
    assert scores_of(db_url, parent_job.id) == 1


_FORKED: EpisodeStore | None = None


def _finish_inherited(job_id: int) -> tuple[int, bool]:
    assert _FORKED is not None
    outcome = _FORKED.finish_job(job_id, Score.correct("child"))
    return outcome.score_id, outcome.written
