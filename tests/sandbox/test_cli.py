"""``m1env sandbox info|run`` through its own argparse wiring (no m1env CLI needed)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from m1env.cli import sandbox as cli


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="m1env")
    cli.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def call(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    args = parse(argv)
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_info_lists_backends_and_the_choice(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = call(["sandbox", "info"], capsys)
    report = json.loads(out)
    assert code == 0
    assert set(report["backends"]) == {"bwrap", "docker", "process"}
    assert report["backends"]["process"]["available"] is True
    assert report["chosen"] in report["backends"] and report["why"]
    assert report["enforces"]["name"] == report["chosen"]


def test_run_python_with_stdin_and_limits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "echo.py"
    src.write_text("import sys; print(sys.stdin.read().upper(), end='')")
    stdin = tmp_path / "in.txt"
    stdin.write_text("hello")
    code, out, _ = call(
        ["sandbox", "run", "--stdin", str(stdin), "--limits", '{"wall_s": 3}', str(src)], capsys
    )
    result = json.loads(out)
    assert code == 0 and result["verdict"] == "ok" and result["stdout"] == "HELLO"


def test_run_cpp_by_extension_on_a_named_backend(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "main.cpp"
    src.write_text('#include <cstdio>\nint main(){ std::puts("cpp"); return 4; }\n')
    code, out, _ = call(["sandbox", "run", "--backend", "bwrap", str(src)], capsys)
    result = json.loads(out)
    assert code == 1 and result["verdict"] == "runtime_error" and result["exit_code"] == 4
    assert result["stdout"] == "cpp\n" and result["backend"] == "bwrap"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--limits", '{"wal": 2}'], "unknown limit"),
        (["--limits", "{not json"], "not valid JSON"),
        (["--language", "cobol"], "unknown language"),
        (["--stdin", "/nonexistent/in.txt"], "No such file"),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    src = tmp_path / "x.py"
    src.write_text("print(1)")
    code, out, err = call(["sandbox", "run", *argv, str(src)], capsys)
    assert code == 2 and out == "" and message in err


def test_unknown_extension_asks_for_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "prog.xyz"
    src.write_text("x")
    code, _, err = call(["sandbox", "run", str(src)], capsys)
    assert code == 2 and "--language" in err


def test_module_runs_standalone_with_help() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "m1env.cli.sandbox", "sandbox", "run", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "SOURCE_FILE" in proc.stdout and "--limits" in proc.stdout


def test_process_backend_runs_only_when_acknowledged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("M1ENV_ALLOW_UNSANDBOXED", raising=False)
    # Where the job's user (nobody, under a root worker) may write.
    shared = Path(tempfile.mkdtemp(prefix="m1env-cli-test-"))
    shared.chmod(0o777)
    marker = shared / "ran"
    src = tmp_path / "prog.py"
    src.write_text(f"open({str(marker)!r}, 'w').write('x')\nprint('hi')\n")
    code, out, err = call(["sandbox", "run", "--backend", "process", str(src)], capsys)
    assert code == 3 and out == "" and err.count("\n") == 1
    assert "M1ENV_ALLOW_UNSANDBOXED=1" in err and "apt-get install bubblewrap" in err
    assert not marker.exists()
    argv = ["sandbox", "run", "--backend", "process", "--allow-unsandboxed", str(src)]
    code, out, _ = call(argv, capsys)
    assert code == 0 and json.loads(out)["backend"] == "process" and marker.exists()
    marker.unlink()
    shared.rmdir()


def test_doctor_says_what_isolates_here(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = call(["sandbox", "doctor", "--json"], capsys)
    report = json.loads(out)
    assert code == 0 and report["default"] == "bwrap" and report["isolated"] is True
    assert report["backends"]["process"]["isolates"] is False
    assert report["seccomp"]["available"] is True
    assert report["cgroups"]["version"] in (1, 2, None)
    assert report["languages"]["python3"]["missing_tools"] == []
    code, text, _ = call(["sandbox", "doctor"], capsys)
    assert code == 0 and text.startswith("backend  isolates") and "default: bwrap" in text


def test_the_cli_leaves_no_slot_cgroups_behind(tmp_path: Path) -> None:
    from m1env.sandbox.cgroups import CgroupManager

    manager, _ = CgroupManager.detect()
    if manager is None:
        pytest.skip("cgroups are not writable here")
    src = tmp_path / "prog.py"
    src.write_text("print('hi')\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "m1env.cli", "sandbox", "run", "--backend", "bwrap", str(src)],
        stdout=subprocess.PIPE,
    )
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0 and json.loads(out)["stdout"] == "hi\n"
    left = [
        name
        for base in {manager.memory_base, manager.pids_base}
        for name in os.listdir(base)
        if name.startswith((f"slot-{proc.pid}-", f"job-{proc.pid}-"))
    ]
    assert left == []
