"""RL steps scored through the Celery queue: a real ``m1env worker`` process, real Redis,
the jobs table on SQLite (default run) and PostgreSQL (``-m postgres``).

Every batch the loop sends through the queue is scored again in-process, and the two must
agree Score for Score; jobs nobody can score come back as ``error`` Scores, never as 0s.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from m1env.policy import ByteTokenizer, HybridMoEForCausalLM
from m1env.trainer.config import EnvWeight, OptimConfig, RLConfig
from m1env.trainer.rl import train_rl
from m1env.trainer.rollout import build_env
from m1env.trainer.scoring import LocalScorer, QueueScorer, ScoreItem
from m1env.trainer.toy_envs import ADD_ENV_ID, SAT_ENV_ID, register_toy_envs
from m1env.verifiers import Score
from tests.queue import conftest as _queue
from tests.queue.conftest import Worker, purged_broker, start_worker

from .conftest import TINY

# The queue tests' fixtures: the jobs store (SQLite; PostgreSQL behind -m postgres), workers.
db_url = _queue.db_url
pg_url = _queue.pg_url
sqlite_template = _queue.sqlite_template
workers = _queue.workers

# The session's own redis-server (tests/queue/conftest.py), never the shared one, in a
# database of its own: a worker of another jobs database would drop our messages (their
# job ids are not in its table).
session_redis = _queue.session_redis


@pytest.fixture
def trainer_broker(session_redis: str) -> str:
    return purged_broker(session_redis.rsplit("/", 1)[0] + "/9", "M1ENV_TEST_REDIS_URL")


class Checked:
    """Scores through the queue, and checks each batch against in-process scoring."""

    def __init__(self, queue: QueueScorer) -> None:
        self.queue, self.local = queue, LocalScorer()
        self.batches: list[tuple[list[Score], list[Score]]] = []

    def score(self, items: Sequence[ScoreItem]) -> list[Score]:
        got = self.queue.score(items)
        self.batches.append((got, self.local.score(items)))
        return got


def test_rl_steps_scored_through_the_queue_match_in_process_scoring(
    db_url: str, trainer_broker: str, workers: list[Worker], tmp_path: Path
) -> None:
    register_toy_envs()
    start_worker(workers, db_url, trainer_broker, tmp_path, concurrency=2)
    queue = QueueScorer(database_url=db_url, broker_url=trainer_broker, timeout_s=60)
    checked = Checked(queue)
    envs = (
        EnvWeight(ADD_ENV_ID, difficulty=1, kwargs={"split": "train"}),
        EnvWeight(SAT_ENV_ID, difficulty=1, kwargs={"split": "train"}),
    )
    cfg = RLConfig(
        envs=envs,
        steps=2,
        prompts_per_step=4,
        group_size=4,
        minibatches=1,
        update_rounds=1,
        dynamic_sampling=False,
        length_stages=((0, 12),),
        optim=OptimConfig(lr=1e-3),
        scoring="queue",
    )
    import torch

    torch.manual_seed(0)
    model = HybridMoEForCausalLM(TINY)
    history = train_rl(model, ByteTokenizer(), cfg, scorer=checked)
    queue.close()
    assert len(history) == 2 and all(r["errors"] == 0 for r in history)
    assert len(checked.batches) == 2
    for got, want in checked.batches:
        assert len(got) == 16
        assert [(s.status, s.score) for s in got] == [(s.status, s.score) for s in want]

    # The untrained policy is always wrong; correct answers through the same path score 1,
    # and an any-assignment SAT answer that is not the planted one scores 1 too.
    add, sat = build_env(envs[0]), build_env(envs[1])
    items = [ScoreItem(env, env.make_task(i, 1), "") for env in (add, sat) for i in range(3)]
    items = [ScoreItem(it.env, it.task, it.env.example_response(it.task)) for it in items]
    items.append(ScoreItem(add, items[0].task, "<answer>-1</answer>"))
    queue = QueueScorer(database_url=db_url, broker_url=trainer_broker, timeout_s=60)
    got = queue.score(items)
    assert [s.status for s in got] == ["correct"] * 6 + ["incorrect"]
    assert got == LocalScorer().score(items)

    # A verifier the worker does not know: its job ends as an error Score with the reason.
    unknown = build_env(envs[0])
    unknown.verifier = "no-such-verifier"
    (bad,) = queue.score([ScoreItem(unknown, items[0].task, "<answer>1</answer>")])
    assert bad.status == "error" and "no-such-verifier" in (bad.reason or "")
    queue.close()


def test_queue_without_workers_gives_error_scores_not_zeros(
    db_url: str, trainer_broker: str
) -> None:
    register_toy_envs()
    env = build_env(EnvWeight(ADD_ENV_ID, difficulty=1))
    task = env.make_task(0, 1)
    queue = QueueScorer(database_url=db_url, broker_url=trainer_broker, timeout_s=0.5)
    got = queue.score([ScoreItem(env, task, env.example_response(task))] * 2)
    queue.close()
    assert [s.status for s in got] == ["error", "error"]
    assert all("not scored within" in (s.reason or "") for s in got)
