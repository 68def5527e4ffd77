"""m1env.scoring: one scorer, local and queue modes, the same answers from both faces, and
one time-limit rule (an ``error`` Score or a ScoreTimeout, as the caller chose)."""

from __future__ import annotations

import asyncio
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import tests.service.helpers  # noqa: F401  (test/* verifiers)
from m1env.errors import ScoreTimeout
from m1env.queue import QueueConfig
from m1env.scoring import LocalScorer, QueueScorer
from m1env.store import EpisodeStore
from m1env.verifiers import Score
from tests.queue.conftest import Worker, start_worker


@dataclass(frozen=True)
class Req:
    name: str
    response: str
    reference: Any
    key: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def payload(self) -> dict[str, Any]:
        return {"response": self.response, "reference": self.reference, "options": self.options}


ITEMS = [Req("exact", "<answer>1</answer>", "1"), Req("exact", "<answer>2</answer>", "1")]


def test_local_faces_agree() -> None:
    scorer = LocalScorer(workers=1)
    try:
        sync = scorer.score(ITEMS)
        assert [s.status for s in sync] == ["correct", "incorrect"]
        assert asyncio.run(scorer.ascore(ITEMS)) == sync
    finally:
        scorer.close()


def test_queue_faces_agree_with_local(
    db_url: str, broker_url: str, workers: list[Worker], tmp_path: Path
) -> None:
    start_worker(workers, db_url, broker_url, tmp_path, concurrency=1)
    config = QueueConfig(broker_url=broker_url, database_url=db_url)
    scorer = QueueScorer(config, timeout_s=60, key_prefix="test/faces")
    try:
        want = LocalScorer().score(ITEMS)
        assert scorer.score(ITEMS) == want
        assert asyncio.run(scorer.ascore(ITEMS)) == want
        with closing(EpisodeStore(db_url)) as store:
            assert store.job_by_key("test/faces/0") is not None  # numbered keys
    finally:
        scorer.close()


def test_queue_time_limit_is_an_error_score_or_a_timeout(db_url: str, broker_url: str) -> None:
    config = QueueConfig(broker_url=broker_url, database_url=db_url)
    errors = QueueScorer(config, timeout_s=0.3, on_timeout="error")
    raises = QueueScorer(config, timeout_s=0.3, on_timeout="raise")
    try:
        for got in (errors.score(ITEMS), asyncio.run(errors.ascore(ITEMS))):
            assert [s.status for s in got] == ["error", "error"]  # never a silent 0
            assert all("not scored within 0.3s (state queued)" in s.reason for s in got)
            assert all(isinstance(s.details.get("job_id"), int) for s in got)
        with pytest.raises(ScoreTimeout, match="2 of 2 jobs not scored") as sync_exc:
            raises.score(ITEMS)
        with pytest.raises(ScoreTimeout, match="2 of 2 jobs not scored") as async_exc:
            asyncio.run(raises.ascore(ITEMS))
        assert isinstance(sync_exc.value.job_id, int) and isinstance(async_exc.value.job_id, int)
    finally:
        errors.close()
        raises.close()
    with pytest.raises(ValueError, match="on_timeout"):
        QueueScorer(config, timeout_s=1, on_timeout="ignore")  # type: ignore[arg-type]


def test_a_finished_score_is_read_back_not_recomputed(db_url: str, broker_url: str) -> None:
    """An item whose key names a finished job gets that job's Score, with no worker."""
    config = QueueConfig(broker_url=broker_url, database_url=db_url)
    with closing(EpisodeStore(db_url)) as store:
        item = Req("exact", "<answer>1</answer>", "1", key="done-before")
        job, _ = store.claim_job("done-before", "exact", item.payload)
        store.finish_job(job.id, Score.correct("from an earlier run"))
    scorer = QueueScorer(config, timeout_s=5)
    try:
        assert scorer.score([item]) == [Score.correct("from an earlier run")]
    finally:
        scorer.close()
