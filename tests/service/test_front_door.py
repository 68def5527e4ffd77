"""What the service refuses, or keeps bounded, for callers it does not know (issue 17).

Each test drives the real app (through starlette's TestClient or a real uvicorn server on
loopback) with the requests a stranger could send.
"""

from __future__ import annotations

import random
import string
import uuid

from fastapi.testclient import TestClient

from tests.service.conftest import make_client


def test_invented_methods_add_no_metric_series(client: TestClient) -> None:
    # HTTP allows any token as a method; each new label value would be a series kept for
    # the life of the process.
    rng = random.Random(17)

    def invented() -> str:
        return "".join(rng.choices(string.ascii_uppercase, k=12))

    for _ in range(3):
        client.request(invented(), "/v1/score")
    client.get("/metrics")  # the scrape's own series exist from here on
    before = client.get("/metrics").text
    methods = [invented() for _ in range(300)]
    for method in methods:
        assert client.request(method, "/v1/score").status_code == 405
    after = client.get("/metrics").text
    assert len(after.splitlines()) == len(before.splitlines())
    assert not [m for m in methods if m in after]
    assert 'method="other",route="/v1/score",status="405"' in after


def test_invented_api_keys_share_the_callers_bucket(tmp_path) -> None:
    # No keys configured: a fresh X-API-Key per request is still one caller.
    burst = 3
    url = f"sqlite:///{tmp_path / 'rate.db'}"
    with make_client(url, rate_limit=0.01, rate_burst=burst) as c:
        codes = [
            c.get("/v1/verifiers", headers={"X-API-Key": uuid.uuid4().hex}).status_code
            for _ in range(2 * burst)
        ]
    assert codes[:burst] == [200] * burst
    assert codes[burst:] == [429] * burst


def test_a_configured_key_has_its_own_bucket_and_wrong_keys_do_not(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'rate.db'}"
    with make_client(url, api_keys=frozenset({"k1", "k2"}), rate_limit=0.01, rate_burst=1) as c:
        assert c.get("/v1/verifiers", headers={"X-API-Key": "k1"}).status_code == 200
        assert c.get("/v1/verifiers", headers={"X-API-Key": "k1"}).status_code == 429
        assert c.get("/v1/verifiers", headers={"X-API-Key": "k2"}).status_code == 200
        # A key no one configured is refused before it could claim a bucket.
        assert c.get("/v1/verifiers", headers={"X-API-Key": "k3"}).status_code == 401
