"""``/healthz`` in queue mode: 200 only while both the broker and the database answer.

The unreachable cases point the service at ports nothing listens on (no Redis needed);
the healthy case uses the test Redis.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.service.conftest import free_port, make_client


def _health(client: TestClient) -> tuple[int, dict]:
    r = client.get("/healthz")
    return r.status_code, r.json()


def test_unreachable_broker_is_503(db_url: str) -> None:
    broker = f"redis://127.0.0.1:{free_port()}/0"
    with make_client(db_url, mode="queue", broker_url=broker) as client:
        status, body = _health(client)
    assert status == 503
    assert body == {
        "status": "unavailable",
        "mode": "queue",
        "broker": "unreachable",
        "database": "ok",
    }


def test_unreachable_database_is_503(broker_url: str) -> None:
    database = f"postgresql+psycopg://m1env:pw@127.0.0.1:{free_port()}/m1env"
    with make_client(database, mode="queue", broker_url=broker_url) as client:
        assert _health(client) == (
            503,
            {"status": "unavailable", "mode": "queue", "broker": "ok", "database": "unreachable"},
        )
        # The scoring routes agree: the store is down, 503 and not a 500.
        r = client.post(
            "/v1/score",
            json={"verifier": "exact", "response": "<answer>1</answer>", "reference": "1"},
        )
        assert r.status_code == 503 and "job store is unavailable" in r.json()["detail"]


def test_reachable_broker_and_database_are_200(db_url: str, broker_url: str) -> None:
    with make_client(db_url, mode="queue", broker_url=broker_url) as client:
        assert _health(client) == (
            200,
            {"status": "ok", "mode": "queue", "broker": "ok", "database": "ok"},
        )


def test_embedded_mode_is_healthy_without_a_broker(db_url: str) -> None:
    with make_client(db_url, workers=1) as client:
        assert _health(client) == (200, {"status": "ok", "mode": "embedded", "workers": 1})
