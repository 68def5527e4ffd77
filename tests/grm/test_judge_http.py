"""The judge against a real OpenAI-compatible HTTP server on loopback."""

from __future__ import annotations

import asyncio
import time

import pytest

from m1env.grm import Judge, JudgeConfig, JudgeTimeout, OpenAIChat
from m1env.grm.testing import FakeChatServer, Reply


def _judge(server: FakeChatServer, **overrides) -> tuple[Judge, list]:
    calls: list = []
    config = JudgeConfig(base_url=server.base_url, model="fake-judge", **overrides)
    return Judge(config, on_call=calls.append), calls


def test_pointwise_score_over_http_with_reference_and_rubric():
    with FakeChatServer(lambda req: "Correct and complete. <score>9</score>") as server:
        judge, calls = _judge(server)
        score = judge.score("What is 2+2?", "4", reference="4", rubric="exact value")
    assert score.status == "correct" and score.score == pytest.approx(0.9)
    prompt = server.requests[0]["messages"][0]["content"]
    assert "REFERENCE ANSWER:\n4" in prompt and "RUBRIC:\nexact value" in prompt
    assert server.requests[0]["model"] == "fake-judge"
    assert calls[0].status == "ok" and calls[0].verdict == pytest.approx(0.9)
    assert calls[0].template.startswith("pointwise-v1@")


@pytest.mark.parametrize(
    "verdict",
    ["I think it is fine.", "<score>eleven</score>", "<score>42</score>", '{"score": "NaN"}', ""],
)
def test_malformed_verdict_is_an_error_with_the_raw_text(verdict):
    with FakeChatServer(lambda req: verdict) as server:
        judge, calls = _judge(server)
        score = judge.score("q", "r")
    assert score.status == "error" and "verdict" in score.reason
    assert score.details["raw"] == verdict
    assert calls[0].status == "error" and calls[0].raw == verdict


def test_json_verdicts_and_last_score_wins():
    answers = iter(['{"score": 7, "reason": "ok"}', "Score: 3/10 ... final <score>8</score>"])
    with FakeChatServer(lambda req: next(answers)) as server:
        judge, _ = _judge(server)
        assert judge.score("q", "a").score == pytest.approx(0.7)
        assert judge.score("q", "b").score == pytest.approx(0.8)


def test_5xx_is_retried_then_succeeds():
    attempts = {"n": 0}

    def flaky(req):
        attempts["n"] += 1
        return (
            Reply(status=503, raw_body="overloaded") if attempts["n"] < 3 else "<score>10</score>"
        )

    with FakeChatServer(flaky) as server:
        judge = Judge(
            JudgeConfig(base_url=server.base_url, max_retries=3),
            backend=OpenAIChat(server.base_url, "fake-judge", backoff=0.01, max_retries=3),
        )
        score = judge.score("q", "r")
    assert score.status == "correct" and score.details["attempts"] == 3


def test_persistent_5xx_is_an_error_not_a_zero():
    with FakeChatServer(lambda req: Reply(status=500, raw_body="internal error")) as server:
        judge = Judge(
            JudgeConfig(base_url=server.base_url),
            backend=OpenAIChat(server.base_url, "m", backoff=0.01, max_retries=2),
        )
        score = judge.score("q", "r")
    assert score.status == "error" and "HTTP 500" in score.reason
    assert len(server.requests) == 3


def test_4xx_is_not_retried():
    with FakeChatServer(lambda req: Reply(status=400, raw_body='{"error":"bad"}')) as server:
        judge = Judge(JudgeConfig(base_url=server.base_url),
                      backend=OpenAIChat(server.base_url, "m", backoff=0.01))  # fmt: skip
        score = judge.score("q", "r")
    assert score.status == "error" and "HTTP 400" in score.reason and len(server.requests) == 1


def test_slow_answer_times_out_as_error():
    with FakeChatServer(lambda req: Reply("<score>5</score>", delay=2.0)) as server:
        backend = OpenAIChat(server.base_url, "m", timeout=0.3, max_retries=1, backoff=0.01)
        start = time.monotonic()
        score = Judge(JudgeConfig(base_url=server.base_url), backend=backend).score("q", "r")
        assert time.monotonic() - start < 1.9
    assert score.status == "error" and "did not answer" in score.reason


def test_slow_but_within_timeout_succeeds():
    with FakeChatServer(lambda req: Reply("<score>6</score>", delay=0.3)) as server:
        backend = OpenAIChat(server.base_url, "m", timeout=5)
        score = Judge(JudgeConfig(base_url=server.base_url), backend=backend).score("q", "r")
    assert score.score == pytest.approx(0.6) and score.status == "incorrect"


def test_timeout_exception_type_from_backend():
    with FakeChatServer(lambda req: Reply("x", delay=1.0)) as server:
        backend = OpenAIChat(server.base_url, "m", timeout=0.2, max_retries=0)
        with pytest.raises(JudgeTimeout):
            asyncio.run(backend.complete([{"role": "user", "content": "hi"}]))


def test_garbage_body_is_an_error():
    with FakeChatServer(lambda req: Reply(raw_body="<html>proxy error</html>")) as server:
        judge, _ = _judge(server)
        score = judge.score("q", "r")
    assert score.status == "error" and "chat-completions" in score.reason


def test_cache_hits_skip_the_server_and_key_on_template():
    with FakeChatServer(lambda req: "<score>8</score>") as server:
        judge, calls = _judge(server)
        first = judge.score("q", "same response")
        second = judge.score("q", "same response")
        assert len(server.requests) == 1 and second.details["cached"] and calls[1].cached
        assert first.score == second.score
        judge.with_template("pointwise-v2").score("q", "same response")
        assert len(server.requests) == 2


def test_concurrency_limit_and_batch_order():
    active = {"now": 0, "max": 0}

    def slow(req):
        active["now"] += 1
        active["max"] = max(active["max"], active["now"])
        time.sleep(0.05)
        active["now"] -= 1
        text = req["messages"][0]["content"]
        return f"<score>{text.count('x')}</score>"

    with FakeChatServer(slow) as server:
        backend = OpenAIChat(server.base_url, "m", max_concurrency=3)
        judge = Judge(JudgeConfig(base_url=server.base_url), backend=backend)
        items = [{"question": "q", "response": "x" * n} for n in range(10)]
        scores = asyncio.run(judge.ascore_many(items))
    assert [round(s.score * 10) for s in scores] == list(range(10))
    assert active["max"] <= 3


def test_pairwise_with_swap_detects_position_bias():
    with FakeChatServer(lambda req: "<preference>A</preference>") as server:
        judge, _ = _judge(server)
        pref = judge.prefer("q", "short", "long answer")
    assert pref.winner == "tie" and "flipped" in pref.reason

    def consistent(req):
        text = req["messages"][0]["content"]
        a = text.split("RESPONSE A:\n")[1].split("\n\nRESPONSE B")[0]
        return "<preference>A</preference>" if a == "good" else "<preference>B</preference>"

    with FakeChatServer(consistent) as server:
        judge, _ = _judge(server)
        assert judge.prefer("q", "good", "bad").winner == "A"
        assert judge.prefer("q", "bad", "good").winner == "B"


def test_config_validation():
    with pytest.raises(ValueError):
        JudgeConfig(pointwise_template="nope-v9")
    with pytest.raises(ValueError):
        JudgeConfig(pass_threshold=2)
    with pytest.raises(ValueError, match="base_url"):
        Judge(JudgeConfig(base_url=None))


def test_the_judge_verifier_ends_within_its_time_limit_against_a_server_that_never_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The verifier's limit (here a job's ``options.timeout``) is the deadline of the whole
    judge call, retries included -- not the judge's own 60 s, nor 60 s per retry."""
    import socket
    import threading

    from m1env.grm.verifier import JudgeVerifier

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        held: list[socket.socket] = []

        def accept() -> None:
            try:
                while True:
                    held.append(listener.accept()[0])
            except OSError:  # closed at the end
                return

        threading.Thread(target=accept, daemon=True).start()
        monkeypatch.setenv("M1ENV_JUDGE_URL", f"http://127.0.0.1:{listener.getsockname()[1]}/v1")
        reference = {"question": "2+2?", "reference": "4"}
        start = time.monotonic()
        score = JudgeVerifier().verify("4", reference, timeout=1.5)
        took = time.monotonic() - start
        for conn in held:
            conn.close()
    assert score.status == "error" and "did not answer within 1.5s" in score.reason, score
    assert took < 1.5 + 0.5, took
