"""``process`` backend: a plain child process with rlimits.  NOT ISOLATION.

For development on machines without bubblewrap or Docker, and only when asked for by
name *and* acknowledged (``M1ENV_ALLOW_UNSANDBOXED=1`` or ``allow_unsandboxed=True``):
auto-detection never picks it, and constructing it unacknowledged raises
:class:`IsolationUnavailableError`.  It also warns once per process
(``RuntimeWarning`` and a log line) that untrusted code must not run here.
Task environments: nothing can be installed (no private ``/opt``); a spec with
requirements is refused (``EnvironmentBuildError``), tools travel with each job.

Protects against (best effort):
    * runaway CPU (``RLIMIT_CPU``) and wall time (the whole process group is killed);
    * memory (``RLIMIT_AS``, so a ``MemoryError`` / ``bad_alloc`` becomes ``memory``);
    * output floods (stdout/stderr capped, the group killed) and huge files
      (``RLIMIT_FSIZE``); fd exhaustion (``RLIMIT_NOFILE``);
    * fork bombs only through ``RLIMIT_NPROC``, which counts every process of the job
      user on the host, so it is set only when the worker is root and jobs run as a
      dedicated user (``processes`` x the job cap);
    * reading root's secrets when the worker is root: jobs run as ``nobody`` with a
      scrubbed environment and their own work dir.

Does NOT protect against:
    * network access (loopback services, the internet): there is no network namespace;
    * reading world-readable host files, or anything the worker's user can read when
      the worker is not root; writing to world-writable places such as ``/tmp``
      (state left for the next job);
    * processes that leave the process group (``setsid``) and outlive the job, or
      that survive a worker crash (only the direct child gets ``PDEATHSIG``);
    * kernel attack surface: every syscall is available.
"""

from __future__ import annotations

import logging
import os
import warnings
from typing import Any, ClassVar

from m1env.errors import IsolationUnavailableError, SandboxConfigError

from .._local import LocalWorkdirs, drop_ids, sandbox_ids, scrubbed_env, set_pdeathsig
from .._proc import execute, kill_group, set_rlimits
from ..backend import ISOLATION_FIX, Backend, Step, decide_verdict, unsandboxed_allowed
from ..contract import ExecResult
from ..limiter import JobLimiter

__all__ = ["ProcessBackend"]

log = logging.getLogger(__name__)
_WARNING = (
    "sandbox backend 'process' is NOT isolation: the code can reach the network and read "
    "the host's files; use it only for trusted code in development (prefer bwrap or docker)"
)
_warned = False


class ProcessBackend(Backend):
    name: ClassVar[str] = "process"
    isolating: ClassVar[bool] = False

    def __init__(
        self,
        limiter: JobLimiter | None = None,
        workdir_base: str | None = None,
        *,
        allow_unsandboxed: bool = False,
    ) -> None:
        if not unsandboxed_allowed(allow_unsandboxed):
            raise IsolationUnavailableError(
                "the process backend isolates nothing; it runs only when acknowledged "
                f"(M1ENV_ALLOW_UNSANDBOXED=1 or allow_unsandboxed=True); {ISOLATION_FIX}"
            )
        super().__init__(limiter)
        global _warned
        if not _warned:
            _warned = True
            log.warning(_WARNING)
            warnings.warn(_WARNING, RuntimeWarning, stacklevel=2)
        self.workdirs = LocalWorkdirs(workdir_base)

    @classmethod
    def probe(cls) -> tuple[bool, str]:
        return True, (
            "runs anywhere but isolates nothing (rlimits only); refused unless named and "
            "acknowledged with M1ENV_ALLOW_UNSANDBOXED=1"
        )

    def info(self) -> dict[str, Any]:
        ids = sandbox_ids()
        return {
            **super().info(),
            "warning": _WARNING,
            "runs_as": f"uid {ids[0]}" if ids else f"uid {os.geteuid()} (the worker's user)",
            "limits": "rlimits: CPU, address space, file size, open files"
            + (", processes (per user)" if ids else ""),
            "workdir_base": self.workdirs.base,
        }

    def execute(self, step: Step) -> ExecResult:
        if step.mounts:
            raise SandboxConfigError(
                "the process backend cannot mount directories; use bwrap or docker"
            )
        limits = step.limits
        ids = self.workdirs.ids
        # Counts every process of the job user on the host (all concurrent jobs).
        nproc = (limits.processes + 1) * self.limiter.max_jobs + 16 if ids else None

        def preexec() -> None:
            set_rlimits(
                cpu_s=limits.cpu_s,
                address_space=limits.memory_bytes,
                file_size=limits.file_size_bytes,
                open_files=limits.open_files,
                processes=nproc,
            )
            drop_ids(ids)
            # After the uid change: changing credentials clears the death signal.
            set_pdeathsig()

        workdir = self.workdirs.create(step)
        try:
            out = execute(
                step.argv,
                cwd=workdir,
                env={**scrubbed_env(workdir, step.env), "TMPDIR": workdir},
                stdin=step.stdin,
                wall_s=limits.wall_s,
                output_bytes=limits.output_bytes,
                preexec_fn=preexec,
                kill=kill_group,
            )
            files, notes = self.workdirs.collect(workdir, step)
        finally:
            self.workdirs.remove(workdir)
        stderr = out.stderr.decode("utf-8", "replace")
        verdict = decide_verdict(
            exit_code=out.exit_code,
            signal=out.signal,
            limits=limits,
            timed_out=out.timed_out,
            output_exceeded=out.output_exceeded,
            cpu_s=out.cpu_s,
            stderr=stderr,
            rlimit_memory=True,
        )
        return ExecResult(
            verdict=verdict,
            exit_code=out.exit_code,
            signal=out.signal,
            stdout=out.stdout.decode("utf-8", "replace"),
            stderr=stderr,
            stdout_truncated=out.stdout_truncated,
            stderr_truncated=out.stderr_truncated,
            cpu_s=out.cpu_s,
            wall_s=out.wall_s,
            peak_memory_bytes=out.maxrss_bytes,
            messages=("process backend: no isolation", *notes),
            files=files,
        )
