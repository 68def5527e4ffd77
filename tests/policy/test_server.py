"""The OpenAI-compatible server over real HTTP on loopback (uvicorn + httpx)."""

from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import torch
import uvicorn

from m1env.policy import (
    ByteTokenizer,
    HybridMoEForCausalLM,
    completion_logprobs,
    save_pretrained,
)
from m1env.policy.server import create_app
from tests.policy.tiny import TINY

CFG = TINY
TOK = ByteTokenizer()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def model() -> HybridMoEForCausalLM:
    torch.manual_seed(0)
    return HybridMoEForCausalLM(CFG).eval()


@pytest.fixture(scope="module")
def base_url(model) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(model, TOK, model_name="tiny"), port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_models_and_health(base_url) -> None:
    r = httpx.get(f"{base_url}/v1/models")
    assert r.status_code == 200 and r.json()["data"][0]["id"] == "tiny"
    assert httpx.get(f"{base_url}/health").json()["status"] == "ok"


def test_completions_with_logprobs_match_the_model(base_url, model) -> None:
    body = {
        "model": "tiny",
        "prompt": ["Hello", "Bye"],
        "max_tokens": 12,
        "temperature": 0.8,
        "seed": 1,
        "logprobs": 2,
        "n": 2,
        "stop_token_ids": [],
    }
    r = httpx.post(f"{base_url}/v1/completions", json=body, timeout=60)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["object"] == "text_completion" and len(data["choices"]) == 4
    prompts = [TOK.encode(p) for p in ("Hello", "Hello", "Bye", "Bye")]
    for choice, prompt in zip(data["choices"], prompts, strict=True):
        lp = choice["logprobs"]
        assert (
            len(lp["tokens"])
            == len(lp["token_logprobs"])
            == len(choice["token_ids"])
            == len(lp["top_logprobs"])
        )
        assert all(len(alts) <= 2 for alts in lp["top_logprobs"])
        got, _ = completion_logprobs(model, [prompt], [choice["token_ids"]], temperature=0.8)
        assert torch.allclose(got[0], torch.tensor(lp["token_logprobs"]), atol=1e-4)
        assert choice["finish_reason"] in ("stop", "length")
    usage = data["usage"]
    assert usage["prompt_tokens"] == 8 and usage["completion_tokens"] == sum(
        len(c["token_ids"]) for c in data["choices"]
    )


def test_chat_completions_with_top_logprobs(base_url) -> None:
    body = {
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        "max_tokens": 6,
        "temperature": 0,
        "logprobs": True,
        "top_logprobs": 3,
    }
    r = httpx.post(f"{base_url}/v1/chat/completions", json=body, timeout=60)
    assert r.status_code == 200, r.text
    choice = r.json()["choices"][0]
    assert choice["message"]["role"] == "assistant"
    content = choice["logprobs"]["content"]
    assert 1 <= len(content) <= 6
    for entry in content:  # greedy: the chosen token is the most likely alternative
        assert entry["top_logprobs"][0]["token"] == entry["token"]
        assert math.isclose(entry["top_logprobs"][0]["logprob"], entry["logprob"], abs_tol=1e-6)
        assert len(entry["top_logprobs"]) == 3


@pytest.mark.parametrize(
    ("path", "body", "param"),
    [
        ("/v1/completions", {"prompt": "x", "stream": True}, "stream"),
        ("/v1/completions", {"prompt": "x", "max_tokens": 0}, "max_tokens"),
        ("/v1/completions", {"prompt": "x", "temperature": -1}, "temperature"),
        ("/v1/completions", {"prompt": 5}, "prompt"),
        ("/v1/completions", {"prompt": "x", "model": "gpt-4"}, "model"),
        ("/v1/completions", {"prompt": "x", "logprobs": 50}, "logprobs"),
        ("/v1/chat/completions", {"messages": []}, "messages"),
        (
            "/v1/chat/completions",
            {"messages": [{"role": "user", "content": "x"}], "top_logprobs": 2},
            "top_logprobs",
        ),
    ],
)
def test_bad_requests_get_400(base_url, path, body, param) -> None:
    r = httpx.post(f"{base_url}{path}", json=body, timeout=30)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["param"] == param


def test_bad_json_and_bad_token_ids_get_400(base_url) -> None:
    r = httpx.post(
        f"{base_url}/v1/completions", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400
    r = httpx.post(f"{base_url}/v1/completions", json={"prompt": [[1, 9999]]})
    assert r.status_code == 400 and "out of range" in r.json()["error"]["message"]


def test_cli_serves_a_checkpoint(tmp_path, model) -> None:
    """`python -m m1env.cli.policy serve CKPT` (what `m1env policy serve` runs) end to end."""
    ckpt = save_pretrained(model, tmp_path / "tiny-policy", TOK)
    port = _free_port()
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "m1env.cli.policy",
            "serve",
            str(ckpt),
            "--port",
            str(port),
            "--device",
            "cpu",
            "--threads",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "CLI server did not come up"
                time.sleep(0.2)
        assert r.json()["data"][0]["id"] == "tiny-policy"
        r = httpx.post(
            f"http://127.0.0.1:{port}/v1/completions",
            json={"prompt": "Hi", "max_tokens": 4, "temperature": 0, "logprobs": 0},
            timeout=60,
        )
        assert (
            r.status_code == 200 and len(r.json()["choices"][0]["logprobs"]["token_logprobs"]) >= 1
        )
    finally:
        proc.terminate()
        proc.wait(10)


def test_cli_reports_a_missing_checkpoint(tmp_path) -> None:
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-m", "m1env.cli.policy", "serve", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
        timeout=60,
    )
    assert out.returncode == 2 and "missing" in out.stderr
    helped = subprocess.run(
        [sys.executable, "-m", "m1env.cli.policy", "serve", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
        timeout=60,
    )
    assert helped.returncode == 0 and "--port" in helped.stdout
