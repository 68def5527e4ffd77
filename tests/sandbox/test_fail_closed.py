"""With neither bubblewrap nor Docker, the sandbox refuses: nothing runs, and every
entry point says how to fix it.

The machine is made to look like a fresh one: a private mount namespace binds
``/dev/null`` over ``bwrap`` and the Docker socket, and the checks run in a child
process there. Each submission would write a marker file on the host if it ran.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

FIX = "apt-get install bubblewrap"

_CHECKS = textwrap.dedent(
    """
    import json, subprocess, sys
    from starlette.testclient import TestClient
    from m1env import sandbox
    from m1env.service import ServiceConfig, create_app
    from m1env.verifiers import get_verifier
    from m1env.verifiers.swe import SWEInstance

    marker, source = sys.argv[1], sys.argv[2]
    code = open(source).read()
    out = {"backends": {n: ok for n, (ok, _) in sandbox.available_backends().items()}}
    score = get_verifier("code").verify(
        "```python\\n" + code + "\\n```", {"inputs": ["\\n"], "outputs": ["ran\\n"]}
    )
    out["code"] = [score.status, score.reason, score.details.get("backend", "absent")]
    test = "def test_it():\\n" + "".join("    " + line + "\\n" for line in code.splitlines())
    instance = SWEInstance(
        repo="fail-closed/x", instance_id="x-1", base_commit="0" * 40,
        environment_setup_commit="0" * 40, patch="", FAIL_TO_PASS=("tests/test_x.py::test_it",),
        files={"tests/test_x.py": test},
    )
    swe = get_verifier("swe").verify("", instance)
    out["swe"] = [swe.status, swe.reason, swe.details.get("backend", "absent")]
    cli = subprocess.run([sys.executable, "-m", "m1env.cli", "sandbox", "run", source],
                         capture_output=True, text=True)
    out["cli"] = [cli.returncode, cli.stdout, cli.stderr]
    doctor = subprocess.run([sys.executable, "-m", "m1env.cli", "sandbox", "doctor"],
                            capture_output=True, text=True)
    out["doctor"] = [doctor.returncode, doctor.stdout]
    with TestClient(create_app(ServiceConfig()), base_url="http://localhost") as client:
        reply = client.post("/run_code", json={"code": code, "language": "python"})
        out["run_code"] = [reply.status_code, reply.json()]
        out["metrics"] = client.get("/metrics").text
    print(json.dumps(out))
    """
)


def _hidden_machine() -> list[str]:
    """A shell prefix running its command where bwrap and Docker cannot be found."""
    if shutil.which("unshare") is None:
        pytest.skip("util-linux unshare is not installed")
    hide = ["mount --bind /dev/null /usr/bin/bwrap 2>/dev/null || true"]
    for sock in ("/run/docker.sock", "/var/run/docker.sock"):
        if os.path.exists(sock):
            hide.append(f"mount --bind /dev/null {sock}")
    user = [] if os.geteuid() == 0 else ["--map-root-user"]
    return ["unshare", *user, "--mount", "--propagation", "private", "sh", "-c",
            " && ".join([*hide, 'exec "$@"']), "hidden"]  # fmt: skip


def test_nothing_runs_without_an_isolating_backend(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    source = tmp_path / "job.py"
    source.write_text(f"open({str(marker)!r}, 'w').write('x')\nprint('ran')\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("M1ENV_", "DOCKER_"))}
    env.update(
        DOCKER_HOST="unix:///var/run/docker.sock", M1ENV_DATABASE_URL=f"sqlite:///{tmp_path}/s.db"
    )
    argv = [*_hidden_machine(), sys.executable, "-c", _CHECKS, str(marker), str(source)]
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    if proc.returncode != 0 and "unshare" in proc.stderr:
        pytest.skip(f"cannot make a private mount namespace here: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])

    assert out["backends"] == {"bwrap": False, "docker": False, "process": True}
    status, reason, backend = out["code"]
    assert status == "error" and FIX in reason and "start Docker" in reason
    assert backend is None
    status, reason, backend = out["swe"]
    assert status == "error" and FIX in reason and backend is None
    code, stdout, stderr = out["cli"]
    assert code == 3 and stdout == ""
    assert stderr.count("\n") == 1 and FIX in stderr, stderr
    code, report = out["doctor"]
    assert code == 3 and "default: none" in report
    status_code, reply = out["run_code"]
    assert status_code == 200 and reply["status"] == "SandboxError"
    assert FIX in reply["message"] and reply["run_result"] is None
    assert 'm1env_sandbox_runs_total{backend="none",verifier="run_code"} 1.0' in out["metrics"]
    assert not marker.exists(), "the submission ran on the host"
