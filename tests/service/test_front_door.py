"""What the service refuses, or keeps bounded, for callers it does not know (issue 17).

Each test drives the real app (through starlette's TestClient or a real uvicorn server on
loopback) with the requests a stranger could send.
"""

from __future__ import annotations

import json
import random
import string
import uuid

import pytest
from fastapi.testclient import TestClient

from m1env.service import ServiceConfig
from tests.service.conftest import LiveServer, make_client
from tests.service.test_bad_input import JSON, _http, jobs_in


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


BODY = json.dumps({"verifier": "exact", "response": "<answer>4</answer>", "reference": "4"})
POSTS = ["/v1/score", "/v1/score/batch", "/v1/jobs", "/run_code", "/get_reward"]


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "text/json",
        "application/jsonp",
        "application/json-seq",
        "",
    ],
)
def test_bodies_other_than_json_are_415(client: TestClient, db_url: str, content_type) -> None:
    headers = {} if content_type is None else {"content-type": content_type}
    for path in POSTS:
        r = client.post(path, content=BODY, headers=headers)
        assert r.status_code == 415, (path, r.status_code, r.text)
        assert r.headers["content-type"] == "application/json"
        detail = r.json()["detail"]
        assert "application/json" in detail
        assert ("no Content-Type" in detail) == (content_type is None), detail
    assert jobs_in(db_url) == 0
    rejected = f'm1env_rejected_total{{reason="media_type"}} {len(POSTS)}.0'
    assert rejected in client.get("/metrics").text


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"]
)
def test_json_with_or_without_parameters_is_accepted(client: TestClient, content_type) -> None:
    r = client.post("/v1/score", content=BODY, headers={"content-type": content_type})
    assert r.status_code == 200 and r.json()["status"] == "correct"


def test_media_type_is_refused_before_the_body_is_read(live: LiveServer) -> None:
    # 50 MB announced, not one byte of it sent: the answer comes anyway.
    head = (
        b"POST /v1/score HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 52428800\r\n\r\n"
    )
    reply, _ = _http(live.port, head)
    assert reply.startswith(b"HTTP/1.1 415"), reply[:200]
    assert b"application/json" in reply


FIX = "--allowed-host or M1ENV_ALLOWED_HOSTS"


def test_a_foreign_host_is_400_everywhere(client: TestClient, db_url: str) -> None:
    # A DNS-rebinding page: its own name now resolves to this service, and the browser
    # sends that name as Host. TestClient's default "testserver" is as foreign.
    for host in ("rebind.attacker.example", "rebind.attacker.example:8000", "testserver"):
        for method, path in [("GET", "/healthz"), ("GET", "/v1/verifiers"), ("POST", "/v1/jobs")]:
            r = client.request(method, path, content=BODY, headers={**JSON, "host": host})
            assert r.status_code == 400, (host, path, r.status_code, r.text)
            assert (
                r.json()["detail"]
                == f"Host {host!r} is not served here (the server allows more with {FIX})"
            )
    assert jobs_in(db_url) == 0
    assert 'm1env_rejected_total{reason="host"} 9.0' in client.get("/metrics").text


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:8000", "LOCALHOST.", "127.0.0.1", "127.0.0.1:9", "[::1]:8000"]
)
def test_loopback_hosts_are_always_served(client: TestClient, host: str) -> None:
    assert client.get("/v1/verifiers", headers={"host": host}).status_code == 200
    r = client.post("/v1/score", content=BODY, headers={**JSON, "host": host})
    assert r.status_code == 200 and r.json()["status"] == "correct"


def test_a_request_without_host_is_400(live: LiveServer) -> None:
    reply, _ = _http(live.port, b"GET /v1/verifiers HTTP/1.0\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 400"), reply[:200]
    assert b"no Host header is not served here" in reply


def test_configured_hosts_are_served_besides_loopback(db_url: str) -> None:
    with make_client(db_url, allowed_hosts=frozenset({"Scoring.Example.", "[fd00::5]"})) as c:
        for host in ("scoring.example:8443", "[fd00::5]", "localhost"):
            assert c.get("/v1/verifiers", headers={"host": host}).status_code == 200, host
        for host in ("other.example", "example", "scoring.example.evil", "[fd00::6]", "a b"):
            assert c.get("/v1/verifiers", headers={"host": host}).status_code == 400, host


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://rebind.attacker.example:8000", "null", "http://["]
)
def test_a_foreign_origin_is_403(client: TestClient, db_url: str, origin: str) -> None:
    # A form on another site's page posting here (the Host is ours; the Origin is not).
    form = {"content-type": "application/x-www-form-urlencoded", "origin": origin}
    for headers in (form, {**JSON, "origin": origin}):
        r = client.post("/v1/jobs", content=BODY, headers=headers)
        assert r.status_code == 403, (headers, r.status_code, r.text)
        assert r.json()["detail"] == (
            f"cross-origin request from Origin {origin!r} refused (the server allows more with {FIX})"
        )
    assert client.get("/v1/verifiers", headers={"origin": origin}).status_code == 403
    assert jobs_in(db_url) == 0


def test_an_origin_on_an_allowed_host_is_served(db_url: str) -> None:
    with make_client(db_url, allowed_hosts=frozenset({"app.example"})) as c:
        for origin in ("http://localhost:3000", "https://app.example", "http://[::1]:8000"):
            r = c.post("/v1/score", content=BODY, headers={**JSON, "origin": origin})
            assert r.status_code == 200, (origin, r.text)


def test_star_serves_any_host_and_origin(db_url: str) -> None:
    with make_client(db_url, allowed_hosts=frozenset({"*"})) as c:
        headers = {**JSON, "host": "anything.example", "origin": "https://else.example"}
        assert c.post("/v1/score", content=BODY, headers=headers).status_code == 200


def test_allowed_hosts_are_checked_and_read_from_the_environment(monkeypatch) -> None:
    for bad in ("http://x.example", "x.example:80", "*.example.com", "x/y", "", "a b"):
        with pytest.raises(ValueError, match="must be a host name or IP address"):
            ServiceConfig(allowed_hosts=frozenset({bad}))
    config = ServiceConfig(allowed_hosts=frozenset({"[::0001]", "Api.", "10.0.0.5", "*"}))
    assert config.allowed_hosts == {"::1", "api", "10.0.0.5", "*"}
    monkeypatch.setenv("M1ENV_ALLOWED_HOSTS", " api, scoring.example ,")
    assert ServiceConfig.from_env().allowed_hosts == {"api", "scoring.example"}
    monkeypatch.setenv("M1ENV_ALLOWED_HOSTS", "https://scoring.example")
    with pytest.raises(ValueError, match=r"'https://scoring\.example' must be"):
        ServiceConfig.from_env()
