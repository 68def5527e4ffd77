"""What the service refuses, or keeps bounded, for callers it does not know (issue 17).

Each test drives the real app (through starlette's TestClient or a real uvicorn server on
loopback) with the requests a stranger could send.
"""

from __future__ import annotations

import random
import string

from fastapi.testclient import TestClient


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
