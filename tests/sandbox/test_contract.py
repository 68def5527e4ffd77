"""The contract: validation of requests/limits/results, paths, languages, selection, cap."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest

from m1env import sandbox
from m1env.sandbox import ExecRequest, ExecResult, Limits, SandboxConfigError, UnsafePathError
from m1env.sandbox.paths import check_relpath, read_back, write_tree


def test_limits_defaults_and_roundtrip() -> None:
    lim = Limits()
    assert lim.network is False
    assert Limits.from_dict(lim.to_dict()) == lim
    assert Limits.from_dict({"wall_s": 2}).wall_s == 2


@pytest.mark.parametrize(
    "bad",
    [
        {"cpu_s": 0},
        {"wall_s": -1},
        {"memory_mb": 1},
        {"processes": 0},
        {"output_bytes": 0},
        {"memory_mb": 1.5},
        {"cpu_s": float("nan")},
        {"cpu_s": "1"},
        {"network": "yes"},
        {"processes": True},
    ],
)
def test_limits_reject_bad_values(bad: dict[str, object]) -> None:
    with pytest.raises(SandboxConfigError):
        Limits(**bad)  # type: ignore[arg-type]


def test_limits_from_dict_rejects_unknown_keys() -> None:
    with pytest.raises(SandboxConfigError, match="unknown limit"):
        Limits.from_dict({"walltime": 3})


def test_request_needs_exactly_one_of_language_or_command() -> None:
    with pytest.raises(SandboxConfigError):
        ExecRequest()
    with pytest.raises(SandboxConfigError):
        ExecRequest(language="python3", source="x", command=["/bin/true"])
    with pytest.raises(SandboxConfigError):
        ExecRequest(language="python3")
    with pytest.raises(SandboxConfigError, match="argv"):
        ExecRequest(command="/bin/true")
    with pytest.raises(SandboxConfigError):
        ExecRequest(command=[])


def test_request_normalises_text_to_bytes() -> None:
    req = ExecRequest(language="python3", source="print(1)", stdin="x", files={"a.txt": "é"})
    assert req.source == b"print(1)"
    assert req.stdin == b"x"
    assert req.files == {"a.txt": "é".encode()}


@pytest.mark.parametrize("name", ["BAD NAME", "1X", "", "A=B"])
def test_request_rejects_bad_env_names(name: str) -> None:
    with pytest.raises(SandboxConfigError):
        ExecRequest(command=["/bin/true"], env={name: "v"})


@pytest.mark.parametrize(
    "path", ["../evil", "/etc/passwd", "a/../../b", "a//b", "./a", "a/./b", "", "a\0b", "a\\b"]
)
def test_path_traversal_names_are_rejected(path: str) -> None:
    with pytest.raises(UnsafePathError):
        check_relpath(path)
    with pytest.raises(UnsafePathError):
        ExecRequest(command=["/bin/true"], files={path: b""})
    with pytest.raises(UnsafePathError):
        ExecRequest(command=["/bin/true"], collect=[path])


def test_write_tree_never_follows_a_symlink(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    outside = os.path.join(root, "outside")
    os.mkdir(outside)
    os.mkdir(os.path.join(root, "box"))
    os.symlink(outside, os.path.join(root, "box", "sub"))
    with pytest.raises(OSError):
        write_tree(os.path.join(root, "box"), {"sub/x": b"data"}, None)
    assert os.listdir(outside) == []


def test_read_back_refuses_symlinks_and_big_files(tmp_path: os.PathLike[str]) -> None:
    root = str(tmp_path)
    with open(os.path.join(root, "secret"), "w") as fh:
        fh.write("s3cret")
    os.symlink(os.path.join(root, "secret"), os.path.join(root, "link"))
    with pytest.raises(sandbox.SandboxInternalError):
        read_back(root, "link", 100)
    with pytest.raises(sandbox.SandboxInternalError):
        read_back(root, "secret", 3)
    assert read_back(root, "secret", 100) == b"s3cret"


def test_result_rejects_unknown_verdict_and_serialises() -> None:
    with pytest.raises(SandboxConfigError):
        ExecResult(verdict="wrong_answer")  # type: ignore[arg-type]
    res = ExecResult(verdict="ok", exit_code=0, stdout="hi", files={"o": b"\x00\xff"})
    data = json.loads(json.dumps(res.to_dict()))
    assert data["verdict"] == "ok" and data["files"] == {"o": "AP8="}


def test_language_registry() -> None:
    assert {"python3", "c", "c++", "shell"} <= set(sandbox.languages())
    assert sandbox.get_language("cpp").name == "c++"
    with pytest.raises(sandbox.UnknownLanguageError, match="registered"):
        sandbox.get_language("cobol")
    with pytest.raises(SandboxConfigError):
        sandbox.register_language(sandbox.Language(name="py", source_file="x.py", run=("x",)))
    with pytest.raises(SandboxConfigError):
        sandbox.Language(name="x", source_file="x.c", run=("./x",), compile=("cc",))


def test_unknown_language_is_a_config_error_before_anything_runs() -> None:
    backend = sandbox.get_backend("process", allow_unsandboxed=True)
    with pytest.raises(sandbox.UnknownLanguageError):
        backend.run(ExecRequest(language="cobol", source="x"))


def test_backend_selection_by_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(sandbox.BACKEND_ENV, "process")
    with pytest.raises(sandbox.IsolationUnavailableError, match="M1ENV_ALLOW_UNSANDBOXED=1"):
        sandbox.choose_backend_name()
    monkeypatch.setenv("M1ENV_ALLOW_UNSANDBOXED", "1")
    assert sandbox.choose_backend_name()[0] == "process"
    monkeypatch.delenv("M1ENV_ALLOW_UNSANDBOXED")
    assert sandbox.choose_backend_name(allow_unsandboxed=True)[0] == "process"
    monkeypatch.setenv(sandbox.BACKEND_ENV, "nosuch")
    with pytest.raises(sandbox.UnknownBackendError):
        sandbox.get_backend()
    monkeypatch.delenv(sandbox.BACKEND_ENV)
    name, why = sandbox.choose_backend_name()
    assert name == next(n for n, (ok, _) in sandbox.available_backends().items() if ok)
    assert why.startswith("auto-detected")


def test_the_process_backend_is_never_chosen_nor_built_unacknowledged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from m1env.sandbox.backends.process import ProcessBackend

    monkeypatch.delenv(sandbox.BACKEND_ENV, raising=False)
    monkeypatch.delenv("M1ENV_ALLOW_UNSANDBOXED", raising=False)
    assert "process" not in sandbox.registry.PREFERENCE
    with pytest.raises(sandbox.IsolationUnavailableError, match="apt-get install bubblewrap"):
        ProcessBackend()
    with pytest.raises(sandbox.IsolationUnavailableError):
        sandbox.get_backend("process")
    monkeypatch.setenv("M1ENV_ALLOW_UNSANDBOXED", "yes")  # only "1" acknowledges
    with pytest.raises(sandbox.IsolationUnavailableError):
        sandbox.run(ExecRequest(language="python3", source="print(1)"), "process")


def test_limiter_applies_back_pressure() -> None:
    limiter = sandbox.JobLimiter(2)
    running = []
    peak = []
    lock = threading.Lock()

    def job() -> None:
        with limiter.slot():
            with lock:
                running.append(1)
                peak.append(len(running))
            time.sleep(0.05)
            with lock:
                running.pop()

    threads = [threading.Thread(target=job) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max(peak) == 2 and limiter.peak_running == 2


def test_limiter_timeout_raises_busy() -> None:
    limiter = sandbox.JobLimiter(1)
    with limiter.slot(), pytest.raises(sandbox.SandboxBusyError), limiter.slot(timeout=0.05):
        pass
    with pytest.raises(SandboxConfigError):
        limiter.max_jobs = 0


def test_a_burst_on_a_real_backend_never_exceeds_the_cap() -> None:
    backend = sandbox.get_backend()
    limiter = sandbox.JobLimiter(2)
    old = backend.limiter
    backend.limiter = limiter
    try:
        req = ExecRequest(command=["/bin/sleep", "0.1"])
        threads = [threading.Thread(target=backend.run, args=(req,)) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        backend.limiter = old
    assert limiter.peak_running == 2
