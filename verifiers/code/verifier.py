"""``code``: run the program of a completion against test cases in the sandbox.

``verify(response, reference, **options)``: the program is the last fenced block in
the requested language (:mod:`m1env.verifiers.code.extract`); the reference is a test suite
in APPS/TACO or CodeContests form (:mod:`m1env.verifiers.code.formats`); each test runs in
the sandbox with its own limits and is judged outside it (:mod:`m1env.verifiers.code.runner`).

Options (:class:`CodeConfig`): ``language`` (``python3``; ``python``, ``cpp``, ``c++``,
``c`` ...), ``mode`` (``all``: score 1 only when every test passes; ``fraction``: the
share of tests passed, hidden tests only when there are any), ``stop_on_failure``
(default: on in ``all`` mode, off in ``fraction``), ``time_limit_s`` and ``memory_mb``
per test (default: the reference's, else 2 s and 256 MiB), ``max_output_bytes``,
``max_source_bytes`` (64 KiB), ``float_tol`` (1e-6), ``extract`` (``last`` | ``first``
block), ``allow_untagged`` (take an untagged block when none is tagged; True),
``max_tests``, ``backend`` (a sandbox backend name) and ``isolation`` (``test``: one
sandbox per test, the default; ``problem``: every test in one sandbox with per-test
rlimits, faster and weaker -- see :mod:`m1env.verifiers.code.runner`).

Statuses: ``correct`` when every test passed; ``incorrect`` for anything the response
is to blame for (no code, wrong language, source too large, compile error, a failed
test); ``error`` for what it is not (a malformed reference, a broken checker, a sandbox
failure). ``details``: ``verdict`` (overall), ``passed``/``total``, ``tests`` (one
entry per test: verdict, CPU time, peak memory, a note) and ``language``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar, Literal

from m1env.errors import CodeConfigError, ReferenceFormatError
from m1env.sandbox import SandboxError
from m1env.verifiers.base import Verifier
from m1env.verifiers.code.extract import canonical_language, find_program
from m1env.verifiers.code.formats import TestSuite, parse_reference
from m1env.verifiers.code.runner import RunLimits, SuiteRun, run_suite
from m1env.verifiers.score import Score

__all__ = ["CodeConfig", "CodeVerifier"]

_DEFAULT_TIME_S = 2.0
_DEFAULT_MEMORY_MB = 256
_KiB = 1024


@dataclass(frozen=True)
class CodeConfig:
    """The code verifier's options; see the module docstring. Raises CodeConfigError."""

    language: str = "python3"
    mode: Literal["all", "fraction"] = "all"
    stop_on_failure: bool | None = None
    time_limit_s: float | None = None
    memory_mb: int | None = None
    max_output_bytes: int = 4 * _KiB * _KiB
    max_source_bytes: int = 64 * _KiB
    float_tol: float = 1e-6
    extract: Literal["last", "first"] = "last"
    allow_untagged: bool = True
    max_tests: int | None = None
    backend: str | None = None
    isolation: Literal["test", "problem"] = "test"

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "language", canonical_language(self.language))
        except ValueError as exc:
            raise CodeConfigError(str(exc)) from None
        if self.mode not in ("all", "fraction"):
            raise CodeConfigError(f"mode must be 'all' or 'fraction', got {self.mode!r}")
        if self.isolation not in ("test", "problem"):
            raise CodeConfigError(f"isolation must be 'test' or 'problem', got {self.isolation!r}")
        if self.extract not in ("last", "first"):
            raise CodeConfigError(f"extract must be 'last' or 'first', got {self.extract!r}")
        for name in ("stop_on_failure", "allow_untagged"):
            value = getattr(self, name)
            if not isinstance(value, bool) and not (name == "stop_on_failure" and value is None):
                raise CodeConfigError(f"{name} must be true or false, got {value!r}")
        self._number("time_limit_s", 0.05, 600.0, optional=True)
        self._number("float_tol", 0.0, 1.0)
        self._int("memory_mb", 16, 65536, optional=True)
        self._int("max_output_bytes", 1, 1 << 30)
        self._int("max_source_bytes", 1, 16 * _KiB * _KiB)
        self._int("max_tests", 1, 1 << 20, optional=True)
        if self.backend is not None and not isinstance(self.backend, str):
            raise CodeConfigError(f"backend must be a name, got {self.backend!r}")

    def _number(self, name: str, low: float, high: float, optional: bool = False) -> None:
        value = getattr(self, name)
        if value is None and optional:
            return
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
        ):
            raise CodeConfigError(f"{name} must be a number in [{low}, {high}], got {value!r}")
        object.__setattr__(self, name, float(value))

    def _int(self, name: str, low: int, high: int, optional: bool = False) -> None:
        value = getattr(self, name)
        if value is None and optional:
            return
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise CodeConfigError(f"{name} must be an integer in [{low}, {high}], got {value!r}")

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> CodeConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise CodeConfigError(
                f"code verifier: unknown options {unknown}; known: {sorted(known)}"
            )
        return cls(**options)

    def limits(self, suite: TestSuite) -> RunLimits:
        return RunLimits(
            time_limit_s=self.time_limit_s or suite.time_limit_s or _DEFAULT_TIME_S,
            memory_mb=self.memory_mb or suite.memory_mb or _DEFAULT_MEMORY_MB,
            max_output_bytes=self.max_output_bytes,
        )


class CodeVerifier(Verifier):
    name: ClassVar[str] = "code"
    description: ClassVar[str] = "runs the completion's program on test cases in the sandbox"
    # Every execution already runs in the sandbox, which enforces the limits.
    isolate: ClassVar[bool] = False
    timeout: float = 600.0

    def __init__(self, **defaults: Any) -> None:
        self.defaults = asdict(CodeConfig.from_options(defaults))

    def validate_options(self, options: dict[str, Any]) -> dict[str, Any]:
        options.pop("timeout", None)
        return asdict(CodeConfig.from_options({**self.defaults, **options}))

    def check(self, response: str, reference: Any, *args: Any, **options: Any) -> Score:
        config = CodeConfig.from_options(options)
        try:
            suite = parse_reference(reference)
        except ReferenceFormatError as exc:
            return Score.error(f"bad reference: {exc}", verdict="bad_reference")
        base: dict[str, Any] = {"language": config.language}
        if suite.kind == "call" and config.language != "python3":
            return Score.error(
                f"call-based problem ({suite.fn_name}) needs python3, not {config.language}",
                verdict="unsupported",
                **base,
            )
        found = find_program(
            response, config.language, which=config.extract, allow_untagged=config.allow_untagged
        )
        if found.code is None:
            return Score.incorrect(found.reason, verdict=found.verdict, **base)
        size = len(found.code.encode("utf-8", "surrogatepass"))
        if size > config.max_source_bytes:
            return Score.incorrect(
                f"source is {size} bytes, over the {config.max_source_bytes}-byte limit",
                verdict="source_too_large",
                **base,
            )
        stop = (
            config.stop_on_failure if config.stop_on_failure is not None else config.mode == "all"
        )
        try:
            run = run_suite(
                suite,
                config.language,
                found.code,
                config.limits(suite),
                float_tol=config.float_tol,
                stop_on_failure=stop,
                max_tests=config.max_tests,
                backend=config.backend,
                isolation=config.isolation,
            )
        except SandboxError as exc:
            return Score.error(f"sandbox: {exc}", verdict="sandbox_error", backend=None, **base)
        return _score(run, config, {**base, "backend": run.backend})


def _score(run: SuiteRun, config: CodeConfig, base: dict[str, Any]) -> Score:
    if run.infra_error:
        return Score.error(run.infra_error, verdict="sandbox_error", **base)
    if run.compile_error is not None:
        return Score.incorrect(
            f"compile error: {run.compile_error[:300]}", verdict="compile_error", **base
        )
    outcomes = run.outcomes
    tests = [o.to_dict() for o in outcomes]
    details = {**base, "tests": tests, "total": len(outcomes), "compile_s": round(run.compile_s, 3)}
    details["passed"] = sum(o.passed for o in outcomes)
    broken = [o for o in outcomes if o.verdict in ("sandbox_error", "checker_error")]
    if broken:
        first = broken[0]
        return Score.error(
            f"test {first.index}: {first.verdict}: {first.note[:200]}",
            verdict=first.verdict,
            **details,
        )
    failed = [o for o in outcomes if not o.passed and o.verdict != "skipped"]
    if not failed:
        return Score.correct(f"all {len(outcomes)} tests passed", verdict="accepted", **details)
    first = failed[0]
    reason = f"test {first.index} ({first.group}): {first.verdict}"
    if first.note:
        reason += f": {first.note[:200]}"
    score = 0.0
    if config.mode == "fraction":
        hidden = [o for o in outcomes if o.group != "public"]
        counted = hidden or outcomes
        score = sum(o.passed for o in counted) / len(counted)
    return Score.incorrect(reason, score=score, verdict=first.verdict, **details)
