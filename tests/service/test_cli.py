"""``m1env serve`` and ``m1env worker``: help, validation, and a real serve on loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from m1env.cli import main
from tests.service.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    assert "--port" in capsys.readouterr().out or command == "worker"


def test_bad_settings_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["worker", "--queues", "gpu"]) == 2
    assert "queues must be among" in capsys.readouterr().err
    assert main(["worker", "--time-limit", "5000"]) == 2
    assert "below visibility_timeout" in capsys.readouterr().err
    assert main(["serve", "--workers", "0"]) == 2
    assert "workers" in capsys.readouterr().err


def test_serve_embedded_end_to_end(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "M1ENV_DATABASE_URL": f"sqlite:///{tmp_path / 's.db'}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "m1env.cli", "serve", "--port", str(port), "--workers", "1",
         "--api-key", "k"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
        body = {"verifier": "exact", "response": "<answer>1</answer>", "reference": "1"}
        assert httpx.post(f"{url}/v1/score", json=body).status_code == 401
        r = httpx.post(f"{url}/v1/score", json=body, headers={"X-API-Key": "k"})
        assert r.json()["status"] == "correct"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    # uvicorn shuts down gracefully, then re-raises the signal it caught.
    assert proc.returncode in (0, -signal.SIGTERM)
