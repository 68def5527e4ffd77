"""The typed client, sync and async, against a real server on loopback."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from m1env.client import AsyncClient, Client, ClientError, RetryPolicy, ServiceUnavailable
from m1env.queue.config import QueueConfig
from m1env.service import ServiceConfig
from tests.service.conftest import LiveServer, free_port


def test_sync_client_round_trip(live: LiveServer) -> None:
    with Client(live.url) as c:
        assert c.health()["status"] == "ok"
        assert "exact" in {v["name"] for v in c.verifiers()}
        assert c.score("exact", "<answer>9</answer>", "9").status == "correct"
        scores = c.score_batch([("exact", "<answer>1</answer>", "1"), ("exact", "x", "1")])
        assert [s.status for s in scores] == ["correct", "incorrect"]
        job = c.submit_job("exact", "<answer>2</answer>", "2", idempotency_key="c-1")
        assert job.created is True
        assert c.wait_job(job.id, timeout=20).status == "correct"
        again = c.submit_job("exact", "<answer>2</answer>", "2", idempotency_key="c-1")
        assert again.id == job.id and again.created is False
        with pytest.raises(ClientError) as info:
            c.get_job(10**9)
        assert info.value.status == 404


def test_async_client_round_trip(live: LiveServer) -> None:
    async def go() -> None:
        async with AsyncClient(live.url) as c:
            results = await asyncio.gather(
                *(c.score("exact", f"<answer>{i}</answer>", str(i % 2)) for i in range(6))
            )
            assert [s.status for s in results] == ["correct", "correct"] + ["incorrect"] * 4
            job = await c.submit_job("exact", "<answer>3</answer>", "3")
            assert (await c.wait_job(job.id, timeout=20)).score == 1.0

    asyncio.run(go())


def test_client_backs_off_on_429_and_honours_retry_after(tmp_path: Path) -> None:
    config = ServiceConfig(
        workers=1,
        queue=QueueConfig(database_url=f"sqlite:///{tmp_path / 'r.db'}"),
        rate_limit=1.0,
        rate_burst=1,
    )
    with LiveServer(config) as server, Client(server.url, retry=RetryPolicy(retries=4)) as c:
        start = time.monotonic()
        for _ in range(3):
            assert c.score("exact", "<answer>1</answer>", "1").status == "correct"
        # Three requests at 1/s with a burst of 1: the client waited for its tokens.
        assert time.monotonic() - start >= 1.5
        impatient = Client(server.url, retry=RetryPolicy(retries=0))
        with impatient, pytest.raises(ServiceUnavailable, match="HTTP 429"):
            for _ in range(3):
                impatient.score("exact", "<answer>1</answer>", "1")


def test_client_gives_up_on_a_dead_server_after_its_retries() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    policy = RetryPolicy(retries=2, backoff=0.05, max_backoff=0.1)
    with Client(url, retry=policy) as c, pytest.raises(ServiceUnavailable, match="3 tries"):
        c.score("exact", "x", "y")

    async def go() -> None:
        async with AsyncClient(url, retry=policy) as c:
            await c.score("exact", "x", "y")

    with pytest.raises(ServiceUnavailable, match="ConnectError"):
        asyncio.run(go())


def test_retry_policy_validates() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(retries=-1)
    assert 0 <= RetryPolicy(backoff=0.1).delay(3) <= 0.8
    assert RetryPolicy().delay(0, retry_after="2") == 2.0
