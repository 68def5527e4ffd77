"""Bad input: always a 4xx with a message, never a 500, nothing half-stored.

Each case runs against the store on SQLite and (``-m postgres``) PostgreSQL, on both
``/v1/score`` and ``/v1/jobs`` (which writes to the store).
"""

from __future__ import annotations

import json
import socket
import time
from contextlib import closing

import pytest

from m1env.store import EpisodeStore
from tests.service.conftest import LiveServer

ROUTES = ["/v1/score", "/v1/jobs"]
GOOD = {"verifier": "exact", "response": "<answer>4</answer>", "reference": "4"}
JSON = {"content-type": "application/json"}


def jobs_in(db_url: str) -> int:
    with closing(EpisodeStore(db_url)) as store:
        from sqlalchemy import func, select

        from m1env.store.models import ScoringJobRow

        with store.engine.connect() as conn:
            return int(conn.execute(select(func.count(ScoringJobRow.id))).scalar_one())


def refused(r, status: int, *words: str) -> None:
    assert r.status_code == status, (r.status_code, r.text[:300])
    detail = r.json()["detail"]
    assert isinstance(detail, str) and detail
    for word in words:
        assert word in detail, detail


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"{not json", 400, ["malformed JSON", "line 1 column 2"]),
        (b"", 422, []),
        (b"[1, 2]", 422, ["valid dictionary"]),
        (b'{"verifier": "exact"', 400, ["malformed JSON"]),
        (b"[" * 100_000 + b"]" * 100_000, 400, ["nested 100000 levels", "limit is 64"]),
        (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, 400, ["nested"]),
        (b'{"verifier":"exact","response":"a\x00b","reference":"1"}', 400, ["control character"]),
        (b'{"verifier":"exact","response":"\xed\xa0\x80","reference":"1"}', 400, ["UTF-8"]),
        (b'{"verifier":"exact","response":"\xff","reference":"1"}', 400, ["UTF-8"]),
        (b'{"verifier":"exact","response":"x","reference":' + b"9" * 5000 + b"}", 400, ["digits"]),
    ],
    ids=[
        "garbage",
        "empty",
        "array",
        "truncated",
        "deep-array",
        "deep-object",
        "raw-nul",
        "raw-surrogate",
        "bad-utf8",
        "huge-int",
    ],
)
def test_malformed_bodies(client, db_url, route, body, status, words) -> None:
    refused(client.post(route, content=body, headers=JSON), status, *words)
    assert jobs_in(db_url) == 0


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    ("patch", "words"),
    [
        ({"verifier": "no-such"}, ["unknown verifier 'no-such'", "known:"]),
        ({"verifier": 7}, ["verifier"]),
        ({"verifier": ""}, ["verifier"]),
        ({"verifier": "x" * 300}, ["verifier"]),
        ({"verifier": "exa\x00ct"}, ["unknown verifier"]),
        ({"response": 5}, ["response", "valid string"]),
        ({"response": None}, ["response"]),
        ({"response": ["a"]}, ["response"]),
        ({"options": [1]}, ["options"]),
        ({"options": {"bogus": True}}, ["bad options", "bogus"]),
        ({"options": {"timeout": -1}}, ["timeout"]),
        ({"options": {"timeout": "soon"}}, ["timeout"]),
        ({"referense": "4"}, ["referense"]),
    ],
)
def test_wrong_fields(client, db_url, route, patch, words) -> None:
    body = {**GOOD, **patch}
    refused(client.post(route, json=body), 422, *words)
    missing = {k: v for k, v in GOOD.items() if k != "reference"}
    refused(client.post(route, json=missing), 422, "reference")
    assert jobs_in(db_url) == 0


def test_bad_ids_and_batches(client) -> None:
    refused(client.get("/v1/jobs/abc"), 422, "job_id")
    refused(client.get("/v1/jobs/0"), 422, "job_id")
    refused(client.get(f"/v1/jobs/{2**64}"), 422, "job_id")
    refused(client.post("/v1/jobs", json={**GOOD, "idempotency_key": "k\x00"}), 422, "idempotency")
    refused(client.post("/v1/score/batch", json={"items": []}), 422, "items")
    bad = {"items": [GOOD, {**GOOD, "verifier": "nope"}]}
    refused(client.post("/v1/score/batch", json=bad), 422, "items[1]", "unknown verifier")


def test_escaped_nul_and_lone_surrogates_are_replaced_the_same_everywhere(client, db_url) -> None:
    """Valid JSON escapes are scored after U+FFFD replacement, and the Score says so."""
    raw = (
        b'{"verifier":"exact","response":"<answer>4\\u0000\\ud800</answer>",'
        b'"reference":"4\\udc00","idempotency_key":"sur-1"}'
    )
    scored = client.post(
        "/v1/score", content=raw.replace(b',"idempotency_key":"sur-1"', b""), headers=JSON
    )
    assert scored.status_code == 200
    out = scored.json()
    assert out["status"] == "incorrect"
    assert out["details"]["input_sanitized"] == {
        "response": {"nul": 1, "surrogate": 1},
        "reference": {"surrogate": 1},
    }
    job = client.post("/v1/jobs", content=raw, headers=JSON)
    assert job.status_code == 202
    deadline = time.monotonic() + 20
    while client.get(f"/v1/jobs/{job.json()['id']}").json()["state"] != "done":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    with closing(EpisodeStore(db_url)) as store:
        stored = store.get_job(job.json()["id"])
        assert stored is not None
        assert stored.payload["response"] == "<answer>4\ufffd\ufffd</answer>"
        assert stored.payload["reference"] == "4\ufffd"
    final = client.get(f"/v1/jobs/{job.json()['id']}").json()["score"]
    assert final["reason"] == out["reason"]


def test_surrogates_in_a_score_are_still_encodable(client) -> None:
    # The reference is echoed into the reason; a lone surrogate there must not 500.
    body = b'{"verifier":"exact","response":"<answer>5</answer>","reference":"\\udfff"}'
    r = client.post("/v1/score", content=body, headers=JSON)
    assert r.status_code == 200
    json.loads(r.content.decode("utf-8"))


def _http(port: int, head: bytes, chunks=(), pause: float = 0.0) -> tuple[bytes, int]:
    """Send a raw request; stop sending once the server answers. (reply, bytes sent)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sent = 0
    try:
        sock.sendall(head)
        sock.setblocking(False)
        for chunk in chunks:
            try:
                if sock.recv(1, socket.MSG_PEEK):
                    break  # the server has answered: stop streaming
            except BlockingIOError:
                pass
            try:
                sock.setblocking(True)
                sock.sendall(chunk)
                sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            finally:
                sock.setblocking(False)
        sock.setblocking(True)
        reply = b""
        while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
            data = sock.recv(65536)
            if not data:
                break
            reply += data
        return reply, sent
    finally:
        sock.close()


def test_50mb_body_refused_by_content_length(live: LiveServer) -> None:
    size = 50 * 1024 * 1024
    head = (
        f"POST /v1/score HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {size}\r\n\r\n"
    ).encode()
    reply, _ = _http(live.port, head)
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert b"exceeds the limit" in reply


def test_50mb_body_refused_while_streaming(live: LiveServer) -> None:
    head = (
        b"POST /v1/score HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    piece = b'{"verifier":"exact","response":"' + b"a" * (1 << 20)
    block = b"%x\r\n%s\r\n" % (len(piece), piece)
    reply, sent = _http(live.port, head, [block] * 50)
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert b"(streamed)" in reply
    assert sent < 30 * (1 << 20), f"the server let {sent} bytes through"
    # And the server is still healthy afterwards.
    reply, _ = _http(live.port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 200")


def test_no_500_on_any_of_it_over_http(live: LiveServer) -> None:
    import httpx

    bodies = [b"{", b"\x00", b"[" * 200_000, b'"\xed\xa0\x80"', b"null", b"1e999999"]
    with httpx.Client(base_url=live.url) as http:
        for path in ("/v1/score", "/v1/score/batch", "/v1/jobs", "/run_code", "/get_reward"):
            for body in bodies:
                r = http.post(path, content=body, headers=JSON)
                assert 400 <= r.status_code < 500, (path, body[:20], r.status_code, r.text)


def test_client_sees_refusals_as_client_errors(live: LiveServer) -> None:
    # Over a real server: the test client's private transport may belong to another
    # httpx flavour (starlette picks httpx2 when it is installed).
    from m1env.client import Client, ClientError

    with Client(live.url) as c:
        with pytest.raises(ClientError) as info:
            c.score("nope", "x", 1)
        assert info.value.status == 422 and "unknown verifier" in info.value.detail
