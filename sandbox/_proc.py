"""Run one child process with a wall deadline and capped output; report what happened.

This is the shared engine of the ``process`` and ``bwrap`` backends.  It reads stdout
and stderr through pipes with a selector (no threads), feeds stdin without blocking,
stops reading at ``output_bytes`` per stream and kills the process tree through the
caller's ``kill`` callback when output overflows, the wall deadline passes, or the
main process exits while something it started still holds the pipes.  Resource use
comes from ``wait4`` (CPU time and peak RSS of the whole waited-for tree).
"""

from __future__ import annotations

import errno
import os
import resource
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from m1env.errors import SandboxInternalError

__all__ = [
    "SPAWN_LOCK",
    "Child",
    "Outcome",
    "PopenChild",
    "execute",
    "job_rlimits",
    "kill_group",
    "owner_gone",
    "set_rlimits",
    "supervise",
]

#: Held while job files are open for writing and while a child is between fork and
#: exec.  A child forked by another thread inherits (until its exec) any fd open at
#: that moment; if that fd is a job's executable opened for writing, exec'ing it fails
#: with ETXTBSY ("Text file busy") -- a spurious runtime error under concurrency.
SPAWN_LOCK = threading.Lock()

_CHUNK = 1 << 16


@dataclass
class Outcome:
    exit_code: int | None
    signal: int | None
    stdout: bytes
    stderr: bytes
    stdout_truncated: bool
    stderr_truncated: bool
    output_exceeded: bool
    timed_out: bool
    wall_s: float
    cpu_s: float
    maxrss_bytes: int


def job_rlimits(
    *,
    cpu_s: float,
    address_space: int | None,
    file_size: int,
    open_files: int,
    processes: int | None,
) -> list[tuple[int, int, int]]:
    """The rlimits of a job as ``(resource, soft, hard)``."""
    cpu = max(1, int(cpu_s + 0.999))
    limits = [
        # SIGXCPU at the soft limit, SIGKILL one second later if it is caught.
        (resource.RLIMIT_CPU, cpu, cpu + 1),
        (resource.RLIMIT_FSIZE, file_size, file_size),
        (resource.RLIMIT_NOFILE, open_files, open_files),
        (resource.RLIMIT_CORE, 0, 0),
    ]
    if address_space is not None:
        limits.append((resource.RLIMIT_AS, address_space, address_space))
    if processes is not None:
        limits.append((resource.RLIMIT_NPROC, processes, processes))
    return limits


def set_rlimits(
    *,
    cpu_s: float,
    address_space: int | None,
    file_size: int,
    open_files: int,
    processes: int | None,
) -> None:
    """Apply rlimits to the calling process (used in a child before exec)."""
    for res, soft, hard in job_rlimits(
        cpu_s=cpu_s,
        address_space=address_space,
        file_size=file_size,
        open_files=open_files,
        processes=processes,
    ):
        resource.setrlimit(res, (soft, hard))


def _nonblock_write(fd: int, data: memoryview) -> int:
    try:
        return os.write(fd, data[:_CHUNK])
    except BlockingIOError:
        return 0


def _spawn(
    argv: Sequence[str],
    cwd: str,
    env: Mapping[str, str],
    stdin: bytes,
    preexec_fn: Callable[[], None] | None,
    pass_fds: Sequence[int],
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=dict(env),
        close_fds=True,
        pass_fds=tuple(pass_fds),
        start_new_session=True,
        preexec_fn=preexec_fn,
    )


class Child(Protocol):
    """A started job process as :func:`supervise` sees it."""

    pid: int
    #: Pipe ends held by the host: the job's stdin (-1: none), stdout, stderr.
    stdin_fd: int
    stdout_fd: int
    stderr_fd: int
    #: Becomes readable once the main process has exited.
    exit_fd: int

    def reap(self) -> tuple[int, float, int]:
        """(exit code as ``Popen.returncode``, CPU seconds, max RSS bytes) once exited."""
        ...

    def close_stdin(self) -> None:
        """All of stdin is written: close the host's end."""
        ...

    def close(self) -> None:
        """Release what the host holds; kill and reap the process if still there."""
        ...


class PopenChild:
    """A job started by ``subprocess.Popen``; exit seen through a pidfd."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None and proc.stderr is not None
        self.proc = proc
        self.pid = proc.pid
        self.stdin_fd = proc.stdin.fileno() if proc.stdin is not None else -1
        self.stdout_fd = proc.stdout.fileno()
        self.stderr_fd = proc.stderr.fileno()
        self.exit_fd = os.pidfd_open(proc.pid)

    def reap(self) -> tuple[int, float, int]:
        _, status, usage = os.wait4(self.pid, 0)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        return self.proc.returncode, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024

    def close_stdin(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()

    def close(self) -> None:
        os.close(self.exit_fd)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        if self.proc.returncode is None:
            self.proc.kill()
            self.proc.wait()


def execute(
    argv: Sequence[str],
    *,
    cwd: str,
    env: Mapping[str, str],
    stdin: bytes,
    wall_s: float,
    output_bytes: int,
    preexec_fn: Callable[[], None] | None,
    kill: Callable[[int], None],
    pass_fds: Sequence[int] = (),
) -> Outcome:
    """Run ``argv``; ``kill(pid)`` must kill the whole tree started from ``pid``."""
    start = time.monotonic()
    err_r, err_w = os.pipe()

    def guarded() -> None:
        # Popen reports only "Exception occurred in preexec_fn": keep the reason.
        try:
            if preexec_fn is not None:
                preexec_fn()
        except BaseException as exc:
            os.write(err_w, f"{type(exc).__name__}: {exc}".encode()[:1000])
            raise

    try:
        with SPAWN_LOCK:  # Popen returns once the child has exec'd (or failed to)
            proc = _spawn(argv, cwd, env, stdin, guarded, pass_fds)
    except subprocess.SubprocessError as exc:
        os.close(err_w)
        err_w = -1
        reason = os.read(err_r, 1000).decode(errors="replace") or str(exc)
        raise SandboxInternalError(f"could not start the sandbox: {reason}") from exc
    finally:
        if err_w >= 0:
            os.close(err_w)
        os.close(err_r)
    child = PopenChild(proc)
    return supervise(child, start=start, stdin=stdin, wall_s=wall_s,
                     output_bytes=output_bytes, kill=kill)  # fmt: skip


def supervise(
    child: Child,
    *,
    start: float,
    stdin: bytes,
    wall_s: float,
    output_bytes: int,
    kill: Callable[[int], None],
) -> Outcome:
    """Feed stdin, collect capped output, enforce the wall deadline, then reap ``child``
    (closing it in all cases); ``kill(pid)`` must kill the whole tree of the job."""
    deadline = start + wall_s
    out_fd, err_fd = child.stdout_fd, child.stderr_fd
    bufs: dict[int, list[bytes]] = {out_fd: [], err_fd: []}
    sizes = dict.fromkeys(bufs, 0)
    truncated = dict.fromkeys(bufs, False)
    timed_out = exceeded = exited = killed = False
    sel = selectors.DefaultSelector()
    exit_fd = child.exit_fd
    try:
        sel.register(exit_fd, selectors.EVENT_READ)
        for fd in bufs:
            sel.register(fd, selectors.EVENT_READ)
        pending = memoryview(stdin)
        in_fd = child.stdin_fd
        if in_fd >= 0:
            os.set_blocking(in_fd, False)
            sel.register(in_fd, selectors.EVENT_WRITE)
        open_pipes = len(bufs)
        while open_pipes or not exited:
            remaining = deadline - time.monotonic()
            if remaining <= 0 and not killed:
                timed_out = True
                kill(child.pid)
                killed = True
                # Give the pipes a moment to report EOF after the kill.
                deadline = time.monotonic() + 2.0
                continue
            if remaining <= 0:
                break
            for key, _ in sel.select(remaining):
                fd = key.fd
                if fd == exit_fd:
                    exited = True
                    sel.unregister(exit_fd)
                    if open_pipes and not killed:
                        # Whatever still holds our pipes outlived the main process.
                        kill(child.pid)
                        killed = True
                elif fd == in_fd:
                    try:
                        pending = pending[_nonblock_write(fd, pending) :]
                    except OSError as exc:
                        if exc.errno not in (errno.EPIPE, errno.EINVAL):
                            raise
                        pending = pending[:0]
                    if not pending:
                        sel.unregister(fd)
                        child.close_stdin()
                        in_fd = -1
                else:
                    chunk = os.read(fd, _CHUNK)
                    if not chunk:
                        sel.unregister(fd)
                        open_pipes -= 1
                        continue
                    room = output_bytes - sizes[fd]
                    if len(chunk) > room:
                        chunk = chunk[: max(room, 0)]
                        truncated[fd] = True
                        if not killed:
                            exceeded = True
                            kill(child.pid)
                            killed = True
                    if chunk:
                        bufs[fd].append(chunk)
                        sizes[fd] += len(chunk)
        # Always sweep before reaping: the main process is at worst a zombie here, so
        # its pid (and process group id) cannot have been reused yet.
        kill(child.pid)
        code, cpu_s, maxrss = child.reap()
    finally:
        sel.close()
        child.close()
    return Outcome(
        exit_code=code if code >= 0 else None,
        signal=-code if code < 0 else None,
        stdout=b"".join(bufs[out_fd]),
        stderr=b"".join(bufs[err_fd]),
        stdout_truncated=truncated[out_fd],
        stderr_truncated=truncated[err_fd],
        output_exceeded=exceeded,
        timed_out=timed_out,
        wall_s=time.monotonic() - start,
        cpu_s=cpu_s,
        maxrss_bytes=maxrss,
    )


def kill_group(pid: int) -> None:
    """SIGKILL the process group led by ``pid`` (children started with a new session)."""
    # A member forking while the signal is delivered is stopped by the kernel (fork
    # fails with a fatal signal pending); repeat a few times anyway until none is left.
    for _ in range(5):
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            return


def owner_gone(pid: int) -> bool:
    """Whether the worker process ``pid`` (on this host) has exited, so what it left
    behind can be reaped. Our own pid, and a live pid of another user, are not gone."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
