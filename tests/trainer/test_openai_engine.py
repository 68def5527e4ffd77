"""OpenAIEngine against the real policy server (in a thread): same answers as in-process."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import uvicorn
from m1env.policy import GenerationConfig
from m1env.policy.server import create_app
from m1env.trainer.config import EvalConfig
from m1env.trainer.evaluate import evaluate
from m1env.trainer.rollout import LocalEngine, OpenAIEngine

from m1env.errors import RolloutError


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_server_rollouts_match_local(tiny_model, add_eval) -> None:
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
        engine = OpenAIEngine(f"http://127.0.0.1:{port}")
        assert engine.model == "tiny"  # discovered through /v1/models
        cfg = EvalConfig(envs=add_eval, n=4, max_new_tokens=6)
        remote = evaluate(engine, cfg)[0].rows
        local = evaluate(LocalEngine(model, tok), cfg)[0].rows
        assert [r["response"] for r in remote] == [r["response"] for r in local]
        with pytest.raises(RolloutError, match="HTTP 400"):
            OpenAIEngine(f"http://127.0.0.1:{port}", "other").complete(
                [[{"role": "user", "content": "1+1="}]], GenerationConfig()
            )
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_unreachable_server_is_a_rollout_error() -> None:
    with pytest.raises(RolloutError, match="failed"):
        OpenAIEngine(f"http://127.0.0.1:{_free_port()}", timeout=2)
