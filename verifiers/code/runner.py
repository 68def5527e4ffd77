"""Running a program against a :class:`~m1env.verifiers.code.formats.TestSuite` in the sandbox.

One sandbox execution per test, each with the test's own CPU, wall, memory and
output limits and a fresh work dir, so no state (files, processes) survives from one
test to the next. Compiled languages are compiled once (``m1env.sandbox.prepare``) and the
binary is reused for every test. What the sandbox sees:

* stdin problems: the solution and the test's input on stdin;
* call-based problems (Python): ``solution.py``, the harness
  (:mod:`m1env.verifiers.code._call_harness`) and the arguments on stdin.

Expected outputs never enter the sandbox: they stay in this process, which judges
each test from the program's stdout (:mod:`m1env.verifiers.code.compare`) or, for problems
with many valid answers, with the problem's checker, itself run in a separate
sandbox (:mod:`m1env.verifiers.code.checker`). The program's exit status can only fail a
test (a non-zero exit is a runtime error), never pass one.

``isolation="problem"`` trades some of that isolation for speed: all tests run in ONE
sandbox, where a small runner (:mod:`m1env.verifiers.code._batch_runner`) starts the program
once per test in a fresh directory with per-test rlimits (CPU, address space, file
size) and reports each run's output. Expected outputs still never enter the sandbox
and judging is unchanged, so a program still cannot pass a test without printing the
right answer; what it can do is leave processes or files behind for later tests (a
process that escapes its test's group keeps running under the batch's limits). Use
it for trusted-enough workloads or many tiny tests; the default is one sandbox per test.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from m1env import sandbox
from m1env.sandbox import ExecRequest, ExecResult, Limits, Program
from m1env.verifiers.code.checker import Checker
from m1env.verifiers.code.compare import compare_text, compare_values
from m1env.verifiers.code.formats import TestCase, TestSuite

__all__ = ["HARNESS_FILE", "RunLimits", "TestOutcome", "run_suite"]

HARNESS_FILE = "_harness.py"
_HARNESS = Path(__file__).with_name("_call_harness.py").read_bytes()
_BATCH = Path(__file__).with_name("_batch_runner.py").read_bytes()
_BATCH_OUT = "_batch_out.json"
_SANDBOX_VERDICTS = {
    "timeout": "time_limit",
    "memory": "memory_limit",
    "output_limit": "output_limit",
    "runtime_error": "runtime_error",
    "sandbox_error": "sandbox_error",
}


@dataclass(frozen=True)
class RunLimits:
    """Per-test limits (validated by :class:`~m1env.verifiers.code.verifier.CodeConfig`)."""

    time_limit_s: float
    memory_mb: int
    max_output_bytes: int

    def sandbox_limits(self) -> Limits:
        # Wall time is looser than CPU time so a loaded machine does not fail a test,
        # while a program that sleeps or blocks still ends.
        return Limits(
            cpu_s=self.time_limit_s,
            wall_s=self.time_limit_s * 2 + 1,
            memory_mb=self.memory_mb,
            output_bytes=self.max_output_bytes,
            processes=16,
        )


@dataclass
class TestOutcome:
    index: int
    group: str
    verdict: str
    time_s: float = 0.0
    memory_mb: float | None = None
    note: str = ""

    @property
    def passed(self) -> bool:
        return self.verdict == "passed"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"test": self.index, "group": self.group, "verdict": self.verdict}
        if self.verdict != "skipped":
            out["time_s"] = round(self.time_s, 4)
            if self.memory_mb is not None:
                out["memory_mb"] = round(self.memory_mb, 1)
        if self.note:
            out["note"] = self.note[:300]
        return out


@dataclass
class SuiteRun:
    outcomes: list[TestOutcome] = field(default_factory=list)
    compile_error: str | None = None
    compile_s: float = 0.0
    infra_error: str | None = None
    #: The sandbox backend that ran the suite.
    backend: str | None = None


def _resource(outcome: TestOutcome, res: ExecResult) -> TestOutcome:
    outcome.time_s = res.cpu_s
    if res.peak_memory_bytes is not None:
        outcome.memory_mb = res.peak_memory_bytes / (1024 * 1024)
    return outcome


def _tail(text: str, n: int = 300) -> str:
    return text[-n:].strip()


def _judge_stdin(
    test: TestCase, index: int, res: ExecResult, float_tol: float, checker: Checker | None
) -> TestOutcome:
    outcome = _resource(TestOutcome(index, test.group, "passed"), res)
    if res.verdict != "ok":
        outcome.verdict = _SANDBOX_VERDICTS.get(res.verdict, "sandbox_error")
        outcome.note = (
            "; ".join(res.messages) if res.verdict == "sandbox_error" else _tail(res.stderr)
        )
        return outcome
    if checker is not None:
        accepted, note, infra = checker.judge(test.input, res.stdout, test.output)
        outcome.verdict = "passed" if accepted else ("checker_error" if infra else "wrong_answer")
        outcome.note = note
        return outcome
    ok, note = compare_text(res.stdout, test.output, float_tol)
    outcome.verdict, outcome.note = ("passed", "") if ok else ("wrong_answer", note)
    return outcome


def _judge_call(test: TestCase, index: int, res: ExecResult, float_tol: float) -> TestOutcome:
    outcome = _resource(TestOutcome(index, test.group, "passed"), res)
    if res.verdict != "ok":
        outcome.verdict = _SANDBOX_VERDICTS.get(res.verdict, "sandbox_error")
        outcome.note = (
            "; ".join(res.messages) if res.verdict == "sandbox_error" else _tail(res.stderr)
        )
        return outcome
    lines = res.stdout.rstrip("\n").rsplit("\n", 1)
    try:
        record = json.loads(lines[-1]) if lines and lines[-1] else None
    except ValueError:
        record = None
    if not isinstance(record, dict) or not ({"value"} <= record.keys() or "error" in record):
        outcome.verdict = "no_result"
        outcome.note = "the program ended without the harness reporting a return value"
        return outcome
    if "error" in record:
        kind = record.get("error")
        outcome.verdict = "runtime_error" if kind == "exception" else "wrong_answer"
        outcome.note = f"{kind}: {record.get('message', '')}"
        return outcome
    ok, note = compare_values(record["value"], test.output, float_tol)
    outcome.verdict, outcome.note = ("passed", "") if ok else ("wrong_answer", note)
    return outcome


def _prepare(
    suite: TestSuite, language: str, source: str, limits: Limits, backend: str | None
) -> Program:
    if suite.kind == "call":
        request = ExecRequest(
            command=(
                sandbox.get_language("python3").run[0],
                "-I",
                "-B",
                HARNESS_FILE,
                str(suite.fn_name),
            ),
            files={"solution.py": source, HARNESS_FILE: _HARNESS},
            limits=limits,
        )
    else:
        request = ExecRequest(language=language, source=source, limits=limits)
    return sandbox.prepare(request, backend)


def _batch_limits(limits: Limits, n: int) -> Limits:
    return Limits(
        cpu_s=min(n * limits.cpu_s + 5, 3600.0),
        wall_s=min(n * limits.wall_s + 10, 3600.0),
        memory_mb=limits.memory_mb + 128,
        processes=limits.processes + 8,
        output_bytes=256 * 1024,
        file_size_bytes=max(16 << 20, n * (limits.output_bytes + 8192) + (1 << 20)),
    )


def _batch_record(raw: Any) -> ExecResult:
    if not isinstance(raw, dict) or raw.get("verdict") not in (
        "ok",
        "runtime_error",
        "timeout",
        "memory",
        "output_limit",
    ):
        raise ValueError("malformed batch record")
    return ExecResult(
        verdict=raw["verdict"],
        exit_code=raw.get("exit_code") if isinstance(raw.get("exit_code"), int) else None,
        signal=raw.get("signal") if isinstance(raw.get("signal"), int) else None,
        stdout=str(raw.get("stdout", "")),
        stderr=str(raw.get("stderr", "")),
        cpu_s=float(raw.get("cpu_s", 0.0)),
        wall_s=float(raw.get("wall_s", 0.0)),
    )


def _run_batch(
    program: Program, stdins: list[str], limits: Limits, stop_on_error: bool
) -> list[ExecResult | None]:
    """All tests in one sandbox (see the module docstring); one result per stdin."""
    spec = {
        "argv": list(program.argv),
        "stdins": stdins,
        "cpu_s": limits.cpu_s,
        "wall_s": limits.wall_s,
        "memory_bytes": limits.memory_bytes,
        "output_bytes": limits.output_bytes,
        "stop_on_error": stop_on_error,
    }
    request = ExecRequest(
        command=(sandbox.get_language("python3").run[0], "-I", "-B", "_batch.py"),
        files={**program.files, "_batch.py": _BATCH, "_batch.json": json.dumps(spec)},
        limits=_batch_limits(limits, len(stdins)),
        collect=(_BATCH_OUT,),
    )
    outer = sandbox.run(request, program.backend)
    if outer.verdict == "sandbox_error":
        return [outer] * len(stdins)
    results: list[ExecResult] = []
    if outer.verdict == "ok" and _BATCH_OUT in outer.files:
        try:
            results = [_batch_record(r) for r in json.loads(outer.files[_BATCH_OUT])]
        except (ValueError, TypeError):
            results = []
    results = results[: len(stdins)]
    # The batch died or its records were tampered with: what is missing failed as the batch did.
    verdict = outer.verdict if outer.verdict != "ok" else "runtime_error"
    missing = ExecResult(verdict=verdict, stderr=outer.stderr[-300:] or "the batch ended early")
    if results and outer.verdict == "ok" and stop_on_error and not results[-1].ok:
        return [*results, *[None] * (len(stdins) - len(results))]  # skipped
    return [*results, *[missing] * (len(stdins) - len(results))]


def run_suite(
    suite: TestSuite,
    language: str,
    source: str,
    limits: RunLimits,
    *,
    float_tol: float = 1e-6,
    stop_on_failure: bool = False,
    max_tests: int | None = None,
    backend: str | None = None,
    isolation: str = "test",
) -> SuiteRun:
    """Run ``source`` on every test of ``suite`` (see the module docstring)."""
    run = SuiteRun()
    box_limits = limits.sandbox_limits()
    start = time.monotonic()
    program = _prepare(suite, language, source, box_limits, backend)
    run.backend = program.backend.name
    tests = suite.tests[:max_tests] if max_tests else suite.tests
    if not program.compiled:
        assert program.compile_result is not None
        result = program.compile_result
        if result.verdict == "sandbox_error":
            run.infra_error = "sandbox failed while compiling: " + "; ".join(result.messages)
        else:
            run.compile_error = f"{result.verdict}: {_tail(result.stderr, 1000)}"
        return run
    run.compile_s = time.monotonic() - start if program.compile_result is not None else 0.0
    checker = Checker.build(suite.checker, backend) if suite.checker is not None else None
    if checker is not None and checker.error:
        run.infra_error = checker.error
        return run
    if isolation == "problem":
        stdins = [json.dumps(t.input) if suite.kind == "call" else t.input for t in tests]
        batch = _run_batch(program, stdins, box_limits, stop_on_failure)
        for index, (test, res) in enumerate(zip(tests, batch, strict=True)):
            if res is None:
                run.outcomes.append(TestOutcome(index, test.group, "skipped"))
            elif suite.kind == "call":
                run.outcomes.append(_judge_call(test, index, res, float_tol))
            else:
                run.outcomes.append(_judge_stdin(test, index, res, float_tol, checker))
        return run
    failed = False
    for index, test in enumerate(tests):
        if failed and stop_on_failure:
            run.outcomes.append(TestOutcome(index, test.group, "skipped"))
            continue
        if suite.kind == "call":
            res = program.run(stdin=json.dumps(test.input), limits=box_limits)
            outcome = _judge_call(test, index, res, float_tol)
        else:
            res = program.run(stdin=test.input, limits=box_limits)
            outcome = _judge_stdin(test, index, res, float_tol, checker)
        run.outcomes.append(outcome)
        failed = failed or not outcome.passed
    return run
