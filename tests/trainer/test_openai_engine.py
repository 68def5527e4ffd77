"""OpenAIEngine against the real policy server (in a thread): same answers as in-process."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from m1env.errors import LLMHTTPError, RolloutError
from m1env.llm import OpenAIClient
from m1env.policy import GenerationConfig
from m1env.policy.server import create_app
from m1env.trainer.config import EvalConfig
from m1env.trainer.evaluate import evaluate
from m1env.trainer.rollout import LocalEngine, OpenAIEngine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def policy_server(tiny_model) -> Iterator[str]:
    """The bundled policy server on loopback, in a thread; yields its base URL."""
    model, tok = tiny_model
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(model, tok, model_name="tiny"), port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_server_rollouts_match_local(tiny_model, add_eval, policy_server) -> None:
    model, tok = tiny_model
    engine = OpenAIEngine(policy_server)
    assert engine.model == "tiny"  # discovered through /v1/models
    cfg = EvalConfig(envs=add_eval, n=4, max_new_tokens=6)
    remote = evaluate(engine, cfg)[0].rows
    local = evaluate(LocalEngine(model, tok), cfg)[0].rows
    assert [r["response"] for r in remote] == [r["response"] for r in local]
    with pytest.raises(RolloutError, match="HTTP 400"):
        OpenAIEngine(policy_server, "other").complete(
            [[{"role": "user", "content": "1+1="}]], GenerationConfig()
        )


def test_the_client_reads_the_policy_servers_completions(tiny_model, policy_server) -> None:
    """/v1/completions: the server's token ids and log-probs land in the one Completion."""
    _, tok = tiny_model
    client = OpenAIClient(f"{policy_server}/v1")
    out = client.completion("1+1=", model="tiny", max_tokens=5, temperature=0.0, logprobs=0)
    assert out.text == tok.decode(out.token_ids) and 0 < len(out.token_ids) <= 5
    assert len(out.logprobs) == len(out.token_ids) and all(lp <= 0 for lp in out.logprobs)
    assert out.finish_reason in ("stop", "length") and out.usage["completion_tokens"] > 0
    chat = asyncio.run(client.achat([{"role": "user", "content": "1+1="}], model="tiny",
                                    max_tokens=5, logprobs=True))  # fmt: skip
    assert len(chat.logprobs) == len(chat.token_ids) == chat.usage["completion_tokens"]
    with pytest.raises(LLMHTTPError) as info:  # a refused option: 400, not retried
        client.completion("x", model="tiny", stream=True)
    assert info.value.status == 400 and "stream" in info.value.body


def test_unreachable_server_is_a_rollout_error() -> None:
    with pytest.raises(RolloutError, match="failed"):
        OpenAIEngine(f"http://127.0.0.1:{_free_port()}", timeout=2)
