"""``m1env serve`` and ``m1env worker``: help, validation, and real serves (loopback without
keys, every interface with keys or with ``--insecure-no-auth``)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from m1env.cli import main
from m1env.service.config import is_loopback
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


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3", "scoring.example", "[::]"])
def test_serve_refuses_a_public_address_without_keys(host: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "M1ENV_API_KEYS"}
    done = subprocess.run(
        [sys.executable, "-m", "m1env.cli", "serve", "--host", host, "--port", str(free_port())],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr  # one line, no traceback
    assert done.stderr.startswith(f"m1env serve: refusing to serve {host} without API keys")
    assert "set M1ENV_API_KEYS" in done.stderr and "--insecure-no-auth" in done.stderr


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.3.2.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LocalHost.", True),
        ("::ffff:127.0.0.1", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.4", False),
        ("localhost.example", False),
        ("", False),
    ],
)
def test_what_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@contextmanager
def serving(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """``m1env serve ARGS`` in a subprocess; yields its loopback URL once it answers."""
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("M1ENV_")}
    environ.update(M1ENV_DATABASE_URL=f"sqlite:///{tmp_path / 's.db'}", **(env or {}))
    proc = subprocess.Popen(
        [sys.executable, "-m", "m1env.cli", "serve", "--port", str(port), "--workers", "1", *args],
        cwd=ROOT, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
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
                assert time.monotonic() < deadline and proc.poll() is None, proc.stderr
                time.sleep(0.1)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    # uvicorn shuts down gracefully, then re-raises the signal it caught.
    assert proc.returncode in (0, -signal.SIGTERM)


BODY = {"verifier": "exact", "response": "<answer>1</answer>", "reference": "1"}


def test_serve_embedded_end_to_end(tmp_path: Path) -> None:
    with serving(tmp_path, "--api-key", "k") as url:
        assert httpx.post(f"{url}/v1/score", json=BODY).status_code == 401
        r = httpx.post(f"{url}/v1/score", json=BODY, headers={"X-API-Key": "k"})
        assert r.json()["status"] == "correct"


def test_serve_on_loopback_needs_no_key(tmp_path: Path) -> None:
    # The README's commands: `m1env serve`, then curl localhost.
    with serving(tmp_path) as url:
        assert httpx.post(f"{url}/v1/score", json=BODY).json()["status"] == "correct"
        local = url.replace("127.0.0.1", "localhost")
        assert httpx.post(f"{local}/v1/score", json=BODY).json()["status"] == "correct"


def test_serve_every_interface_with_keys_from_the_environment(tmp_path: Path) -> None:
    env = {"M1ENV_API_KEYS": "k1,k2", "M1ENV_ALLOWED_HOSTS": "scoring.example"}
    with serving(tmp_path, "--host", "0.0.0.0", env=env) as url:
        key = {"X-API-Key": "k2"}
        assert httpx.post(f"{url}/v1/score", json=BODY).status_code == 401
        for host in ("scoring.example", socket.gethostname(), "localhost:8000"):
            r = httpx.post(f"{url}/v1/score", json=BODY, headers={**key, "Host": host})
            assert r.status_code == 200, (host, r.text)
        stranger = httpx.post(f"{url}/v1/score", json=BODY, headers={**key, "Host": "x.example"})
        assert stranger.status_code == 400


def test_serve_open_on_purpose_with_insecure_no_auth(tmp_path: Path) -> None:
    args = ("--host", "0.0.0.0", "--insecure-no-auth", "--allowed-host", "a.example")
    with serving(tmp_path, *args, env={"M1ENV_ALLOWED_HOSTS": "b.example"}) as url:
        assert httpx.post(f"{url}/v1/score", json=BODY).json()["status"] == "correct"
        # --allowed-host replaces $M1ENV_ALLOWED_HOSTS, as --api-key replaces the keys.
        ok = httpx.post(f"{url}/v1/score", json=BODY, headers={"Host": "a.example"})
        assert ok.status_code == 200
        assert httpx.get(f"{url}/healthz", headers={"Host": "b.example"}).status_code == 400
