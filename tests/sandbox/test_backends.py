"""Every backend runs the languages correctly and reports verdicts and resources."""

from __future__ import annotations

import os

import pytest

from m1env import sandbox
from m1env.sandbox import ExecRequest, Limits
from m1env.sandbox.backend import Backend

CPP_SUM = r"""
#include <iostream>
int main() { long a, b; std::cin >> a >> b; std::cout << a + b << "\n"; }
"""
C_SUM = r"""
#include <stdio.h>
int main(void) { long a, b; if (scanf("%ld %ld", &a, &b) != 2) return 2; printf("%ld\n", a + b); return 0; }
"""


def test_python_hello_with_stdin(any_backend: Backend) -> None:
    res = any_backend.run(
        ExecRequest(language="python3", source="print(input()[::-1])", stdin="abc\n")
    )
    assert (res.verdict, res.stdout, res.exit_code) == ("ok", "cba\n", 0)
    assert res.backend == any_backend.name and res.stage == "run"
    assert res.wall_s > 0 and res.cpu_s >= 0


@pytest.mark.parametrize(("language", "source"), [("c", C_SUM), ("c++", CPP_SUM)])
def test_compiled_languages_compile_once_run_many(
    any_backend: Backend, language: str, source: str
) -> None:
    program = any_backend.prepare(ExecRequest(language=language, source=source))
    assert program.compiled and program.compile_result is not None
    assert program.compile_result.stage == "compile"
    outs = [program.run(stdin=f"{i} {i * 10}\n") for i in range(3)]
    assert [o.stdout for o in outs] == ["0\n", "11\n", "22\n"]
    assert all(o.verdict == "ok" for o in outs)
    assert [
        r.stdout
        for r in any_backend.run_many(ExecRequest(language=language, source=source), ["1 2", "3 4"])
    ] == ["3\n", "7\n"]


def test_compile_error_is_runtime_error_at_compile_stage(any_backend: Backend) -> None:
    res = any_backend.run(ExecRequest(language="c++", source="int main() { return }"))
    assert res.verdict == "runtime_error" and res.stage == "compile"
    assert "error" in res.stderr


def test_shell_exit_code_and_runtime_error(any_backend: Backend) -> None:
    res = any_backend.run(ExecRequest(language="shell", source="echo out; echo err >&2; exit 3"))
    assert (res.verdict, res.exit_code, res.stdout, res.stderr) == (
        "runtime_error",
        3,
        "out\n",
        "err\n",
    )


def test_python_exception_is_runtime_error(any_backend: Backend) -> None:
    res = any_backend.run(ExecRequest(language="python3", source="raise SystemExit('boom')"))
    assert res.verdict == "runtime_error" and "boom" in res.stderr


def test_segfault_reports_the_signal(any_backend: Backend) -> None:
    src = "int main(void) { volatile int *p = 0; return *p; }"
    res = any_backend.run(ExecRequest(language="c", source=src))
    assert res.verdict == "runtime_error" and res.signal == 11 and res.exit_code is None


def test_files_command_and_collect(any_backend: Backend) -> None:
    req = ExecRequest(
        command=["/bin/sh", "-c", "cat data/in.txt | tr a-z A-Z > out.txt; ls data"],
        files={"data/in.txt": "hello"},
        collect=["out.txt", "missing.txt"],
    )
    res = any_backend.run(req)
    assert res.verdict == "ok" and res.stdout == "in.txt\n"
    assert res.files == {"out.txt": b"HELLO"}
    assert any("missing.txt" in m for m in res.messages)


def test_large_stdin_is_fed_without_deadlock(any_backend: Backend) -> None:
    data = b"x" * (4 << 20)
    src = "import sys; d = sys.stdin.buffer.read(); print(len(d)); sys.stdout.write('y' * len(d))"
    res = any_backend.run(
        ExecRequest(language="python3", source=src, stdin=data, limits=Limits(output_bytes=8 << 20))
    )
    assert res.verdict == "ok" and res.stdout.startswith(f"{len(data)}\n")
    assert len(res.stdout) == len(data) + len(f"{len(data)}\n")


def test_module_level_run_uses_auto_detected_backend() -> None:
    res = sandbox.run(ExecRequest(language="python3", source="print(6*7)"))
    assert res.verdict == "ok" and res.stdout == "42\n"
    assert res.backend == sandbox.choose_backend_name()[0]


def test_concurrent_runs_of_a_compiled_program_never_hit_text_file_busy(
    any_backend: Backend,
) -> None:
    # Another thread's fork inheriting a just-written executable's fd made exec fail
    # with ETXTBSY; files are now written and children forked under one lock.
    from concurrent.futures import ThreadPoolExecutor

    program = any_backend.prepare(ExecRequest(language="c", source=C_SUM))
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda i: program.run(stdin=f"{i} 1"), range(40)))
    assert [r.verdict for r in results] == ["ok"] * 40
    assert [r.stdout for r in results] == [f"{i + 1}\n" for i in range(40)]


def test_worker_with_more_open_files_than_the_job_limit(any_backend: Backend) -> None:
    # The job's RLIMIT_NOFILE is set in the forked child, which still holds the worker's
    # (higher-numbered) fds: nothing between that point and exec may need a new fd.
    held = [os.open("/dev/null", os.O_RDONLY) for _ in range(80)]
    try:
        res = any_backend.run(
            ExecRequest(language="python3", source="print(1)", limits=Limits(open_files=16))
        )
    finally:
        for fd in held:
            os.close(fd)
    assert res.verdict == "ok", res
