"""``m1env sandbox info|run`` through its own argparse wiring (no m1env CLI needed)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
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
