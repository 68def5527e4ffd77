"""The backend base class: languages, compile-once/run-many, concurrency, verdicts.

A backend implements one method, :meth:`Backend.execute`, which runs one
:class:`Step` (argv + files + stdin + limits) in its sandbox and returns an
:class:`ExecResult`.  Everything else is shared here:

* :meth:`Backend.prepare` turns an :class:`ExecRequest` into a :class:`Program`:
  for a compiled language it runs the compile step once (sandboxed, with the
  language's compile limits) and keeps the artefacts; :meth:`Program.run` then runs
  it on any number of inputs with no further compile cost.
* :meth:`Backend.run` is ``prepare(request).run()``; :meth:`Backend.run_many` runs
  one program on many stdins.
* every step holds a slot of the process-wide :class:`JobLimiter` (back-pressure).
* failures of the machinery (OSError, :class:`SandboxInternalError`) become the
  verdict ``sandbox_error`` with the reason in ``messages``; bad requests raise
  :class:`SandboxConfigError` before anything runs.
* :func:`decide_verdict` maps what was observed to one verdict, the same way for
  every backend.
* :meth:`Backend.prepare_environment` builds a task environment
  (:mod:`m1env.sandbox.environments`); backends that can install something override it.
"""

from __future__ import annotations

import abc
import logging
import signal as _signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Literal

from m1env import settings
from m1env.errors import BackendUnavailableError, EnvironmentBuildError, SandboxInternalError

from .contract import ExecRequest, ExecResult, Limits, Mount, Verdict
from .environments import EnvironmentSpec, PreparedEnvironment
from .languages import get_language
from .limiter import JobLimiter, get_limiter

__all__ = [
    "ISOLATION_FIX",
    "Backend",
    "Program",
    "Step",
    "decide_verdict",
    "unsandboxed_allowed",
]

log = logging.getLogger(__name__)

# Files read back (collect, compile artefacts) are capped: the program controls them.
MAX_COLLECT_BYTES = 64 * 1024 * 1024
#: What to do when no backend that isolates can run (in every such error message).
ISOLATION_FIX = "install bubblewrap (apt-get install bubblewrap) or start Docker"


def unsandboxed_allowed(allow: bool = False) -> bool:
    """Whether a backend that isolates nothing may run: ``allow``, or the setting."""
    return allow or settings.ALLOW_UNSANDBOXED.get() == "1"


_MEMORY_MARKERS = ("MemoryError", "std::bad_alloc", "Cannot allocate memory", "out of memory")


@dataclass(frozen=True)
class Step:
    """One sandboxed execution, as a backend sees it."""

    argv: tuple[str, ...]
    files: Mapping[str, bytes]
    stdin: bytes
    limits: Limits
    env: Mapping[str, str] = field(default_factory=dict)
    collect: tuple[str, ...] = ()
    stage: Literal["compile", "run"] = "run"
    mounts: Mapping[str, Mount] = field(default_factory=dict)


def decide_verdict(
    *,
    exit_code: int | None,
    signal: int | None,
    limits: Limits,
    timed_out: bool,
    output_exceeded: bool,
    cpu_s: float,
    oom_kills: int = 0,
    stderr: str = "",
    rlimit_memory: bool = False,
) -> Verdict:
    """The verdict for one observed execution (see :mod:`m1env.sandbox.contract`)."""
    if (
        output_exceeded
        or signal == _signal.SIGXFSZ
        or (exit_code not in (None, 0) and "File too large" in stderr)
    ):
        return "output_limit"
    if timed_out or signal == _signal.SIGXCPU or cpu_s > limits.cpu_s:
        return "timeout"
    if signal == _signal.SIGKILL and cpu_s >= limits.cpu_s - 0.05 and oom_kills == 0:
        return "timeout"
    if oom_kills > 0:
        return "memory"
    failed = exit_code != 0
    if failed and rlimit_memory and any(m in stderr[-4096:] for m in _MEMORY_MARKERS):
        return "memory"
    return "runtime_error" if failed else "ok"


class Program:
    """A request made ready to run: compiled once (if needed), run on many inputs."""

    def __init__(
        self,
        backend: Backend,
        request: ExecRequest,
        argv: tuple[str, ...],
        files: Mapping[str, bytes],
        compile_result: ExecResult | None,
    ) -> None:
        self.backend = backend
        self.request = request
        self.argv = argv
        self.files = files
        self.compile_result = compile_result

    @property
    def compiled(self) -> bool:
        """False when the compile step failed; :meth:`run` then returns its result."""
        return self.compile_result is None or self.compile_result.ok

    def run(self, stdin: str | bytes | None = None, limits: Limits | None = None) -> ExecResult:
        if not self.compiled:
            assert self.compile_result is not None
            return self.compile_result
        req = self.request
        data = req.stdin if stdin is None else stdin
        step = Step(
            argv=self.argv,
            files=self.files,
            stdin=data.encode() if isinstance(data, str) else data,
            limits=limits or req.limits,
            env=req.env,
            collect=tuple(req.collect),
            mounts=req.mounts,
        )
        return self.backend.run_step(step)


class Backend(abc.ABC):
    """Base of all backends; subclasses set :attr:`name` and implement :meth:`execute`."""

    name: ClassVar[str] = ""
    #: True only for backends that actually isolate (process does not).
    isolating: ClassVar[bool] = True

    def __init__(self, limiter: JobLimiter | None = None) -> None:
        ok, why = self.probe()
        if not ok:
            raise BackendUnavailableError(f"{self.name} backend unavailable: {why}")
        self.limiter = limiter or get_limiter()

    @classmethod
    @abc.abstractmethod
    def probe(cls) -> tuple[bool, str]:
        """Whether the backend can run here, and a sentence saying why (not)."""

    @abc.abstractmethod
    def execute(self, step: Step) -> ExecResult:
        """Run one step in the sandbox.  May raise OSError / SandboxInternalError."""

    def info(self) -> dict[str, Any]:
        """What this backend enforces on this machine (shown by ``m1env sandbox info``)."""
        return {"name": self.name, "isolating": self.isolating}

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing
        """Release pooled resources (containers, ...)."""

    def prepare_environment(self, spec: EnvironmentSpec) -> PreparedEnvironment:
        """``spec``'s environment on this backend, built if missing (see
        :mod:`m1env.sandbox.environments`). Here nothing can be installed: a spec with
        requirements is refused; its tools are shipped with each job instead."""
        if spec.requirements:
            raise EnvironmentBuildError(
                f"backend {self.name!r} cannot provide requirements {list(spec.requirements)}"
            )
        return PreparedEnvironment(backend=self)

    def prestart(self, limits: Limits, mounts: Mapping[str, Mount]) -> None:  # noqa: B027
        """Start, ahead of time, a sandbox for a coming job with ``mounts`` (an agent's
        next step); a hint, for backends whose sandboxes are slow to start (docker)."""

    def forget_mounts(self, source: str) -> None:  # noqa: B027 - see prestart
        """Drop what :meth:`prestart` kept for jobs binding ``source`` (the episode ended)."""

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- shared machinery ------------------------------------------------------------

    def run_step(self, step: Step, queue_timeout: float | None = None) -> ExecResult:
        with self.limiter.slot(queue_timeout) as waited:
            try:
                result = self.execute(step)
            except (OSError, SandboxInternalError) as exc:
                log.warning("%s sandbox failed: %s", self.name, exc)
                result = ExecResult(verdict="sandbox_error", stage=step.stage, messages=(f"{exc}",))
        return replace(result, backend=self.name, queued_s=waited, stage=step.stage)

    def prepare(self, request: ExecRequest) -> Program:
        if request.command is not None:
            return Program(self, request, tuple(request.command), request.file_bytes, None)
        assert request.language is not None
        lang = get_language(request.language)
        files = {**request.file_bytes, lang.source_file: request.source_bytes}
        if lang.compile is None:
            return Program(self, request, lang.run, files, None)
        step = Step(
            argv=lang.compile,
            files=files,
            stdin=b"",
            limits=request.compile_limits or lang.compile_limits,
            env=request.env,
            collect=lang.artifacts,
            stage="compile",
            mounts=request.mounts,
        )
        result = self.run_step(step)
        missing = [a for a in lang.artifacts if a not in result.files]
        if result.ok and missing:
            # e.g. the compile step left a symlink where the binary should be.
            note = f"compile step left no regular file {missing}; nothing to run"
            result = replace(result, verdict="runtime_error", messages=(*result.messages, note))
        if not result.ok:
            return Program(self, request, lang.run, files, result)
        built = {**request.file_bytes, **result.files}
        return Program(self, request, lang.run, built, replace(result, files={}))

    def run(self, request: ExecRequest) -> ExecResult:
        return self.prepare(request).run()

    def run_many(self, request: ExecRequest, stdins: Sequence[str | bytes]) -> list[ExecResult]:
        """Compile once, run once per stdin (sequentially, in order)."""
        program = self.prepare(request)
        return [program.run(stdin=s) for s in stdins]
