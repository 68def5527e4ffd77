"""A small per-slot process that starts the ``bwrap`` backend's jobs (a "zygote").

Run as ``python3 -I -S _spawner.py FD`` with one end of a ``SOCK_SEQPACKET`` socket
pair as fd ``FD``.  It imports only the standard library and lives for many jobs, inside the
slot's cgroup (the worker moves it there once), so that starting a job costs one
fork of this small process and no cgroup migration: the forked child is born in
the cgroup, applies the job's rlimits, a new session and the job's uid, and execs
``bwrap``.  Compared with ``subprocess.Popen(preexec_fn=...)`` from the worker this
avoids a fork of the (large, multi-threaded) worker, a per-job cgroup created,
joined (cgroup v1 migration waits for an RCU grace period, which stretches under
CPU contention) and removed, and a separate reaper fork per job.

It is also a child subreaper: bubblewrap's monitor exits without reaping the pid
namespace's init, which is then re-parented here and reaped, instead of piling up as
zombies of host PID 1.  Jobs get oom_score_adj 1000, so a memory bomb kills the job,
not the spawner; if the spawner dies anyway, the worker replaces the slot.

Protocol (one JSON message per datagram, fds by SCM_RIGHTS):
  worker -> spawner  {"argv", "env", "cwd", "rlimits": [[res, soft, hard]...],
                      "ids": [uid, gid] | null} with fds [stdin, stdout, stderr]
  spawner -> worker  {"pid": N} with a pidfd of the child, or {"error": "why"};
                      later, when the child has exited and been reaped:
                      {"status": wait status, "cpu": s, "maxrss": bytes}
When the worker's end closes (the worker exited or was killed) the spawner kills
its running job (bwrap's ``--die-with-parent`` takes the namespace with it) and
exits; nothing else holds that end.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import resource
import select
import signal
import socket
import sys
import time

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_MAX_MSG = 1 << 20
_libc = ctypes.CDLL(None, use_errno=True)


def _setup() -> tuple[socket.socket, int]:
    if _libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
    sock = socket.socket(fileno=int(sys.argv[1]))
    sock.set_inheritable(False)
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_w)
    sock.send(b'{"ready": true}')
    return sock, wake_r


def _child(req: dict, fds: list[int], err_w: int, spawner: int) -> None:  # type: ignore[type-arg]
    """In the forked child: become the job's bwrap.  Never returns."""
    try:
        for target, fd in enumerate(fds):
            os.dup2(fd, target)  # dup2 clears FD_CLOEXEC on the target
        os.closerange(3, err_w)
        os.closerange(err_w + 1, 1 << 16)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.set_wakeup_fd(-1)
        os.setsid()
        # The job goes first when its cgroup runs out of memory (lowering the
        # spawner's own score needs CAP_SYS_RESOURCE, which containers often lack).
        with contextlib.suppress(OSError):
            os.write(os.open("/proc/self/oom_score_adj", os.O_WRONLY | os.O_CLOEXEC), b"1000")
        os.chdir(req["cwd"])
        for res, soft, hard in req["rlimits"]:
            resource.setrlimit(res, (soft, hard))
        if req["ids"]:
            os.setgroups([])
            os.setgid(req["ids"][1])
            os.setuid(req["ids"][0])
        # After the uid change (which clears it): die with the spawner.  bwrap's
        # --die-with-parent sets this again for itself and the namespace's init.
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != spawner:
            os._exit(127)
        os.execve(req["argv"][0], req["argv"], req["env"])
    except BaseException as exc:  # noqa: BLE001 - report anything, then die
        with contextlib.suppress(OSError):
            os.write(err_w, f"{type(exc).__name__}: {exc}".encode()[:1000])
    os._exit(127)


def _start(req: dict, fds: list[int]) -> tuple[int, str | None]:  # type: ignore[type-arg]
    err_r, err_w = os.pipe2(os.O_CLOEXEC)
    spawner = os.getpid()
    try:
        pid = os.fork()
        if pid == 0:
            _child(req, fds, err_w, spawner)
        os.close(err_w)
        err_w = -1
        # EOF once the child has exec'd (the pipe is close-on-exec) or died.
        chunks = []
        while chunk := os.read(err_r, 1000):
            chunks.append(chunk)
        error = b"".join(chunks).decode(errors="replace") or None
        return pid, error
    finally:
        os.close(err_r)
        if err_w >= 0:
            os.close(err_w)
        for fd in fds:
            os.close(fd)


def _reap(child: int) -> tuple[int, float, int] | None:
    """Reap every exited child; the status of ``child`` if it was among them."""
    found = None
    while True:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return found
        if pid == 0:
            return found
        if pid == child:
            found = (status, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024)


def _send(sock: socket.socket, msg: dict, fds: tuple[int, ...] = ()) -> None:  # type: ignore[type-arg]
    """Send one message; retried while the cgroup is out of memory (a job that filled
    its limit with files) until the worker, having killed the job, lifts the limit."""
    data = json.dumps(msg).encode()
    for _ in range(6000):
        try:
            socket.send_fds(sock, [data], list(fds))
            return
        except OSError as exc:
            if exc.errno not in (errno.ENOMEM, errno.ENOBUFS, errno.EAGAIN):
                raise
            time.sleep(0.005)
    raise OSError(errno.ENOMEM, "cannot send to the worker")


def _drain(fd: int) -> None:
    with contextlib.suppress(BlockingIOError):
        while os.read(fd, 4096):
            pass


def main() -> None:
    sock, wake = _setup()
    child = 0
    while True:
        readable, _, _ = select.select([sock, wake], [], [])
        if wake in readable:
            _drain(wake)
            if (done := _reap(child)) is not None:
                status, cpu, maxrss = done
                child = 0
                _send(sock, {"status": status, "cpu": cpu, "maxrss": maxrss})
        if sock not in readable:
            continue
        try:
            msg, fds, _, _ = socket.recv_fds(sock, _MAX_MSG, 3)
        except ConnectionResetError:
            msg, fds = b"", []
        if not msg:
            # The worker is gone: take the running job down with us.
            if child:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(child, 0)
            sys.exit(0)
        if child or len(fds) != 3:
            for fd in fds:
                os.close(fd)
            _send(sock, {"error": "spawner busy or bad request"})
            continue
        pid, error = _start(json.loads(msg), fds)
        if error is not None:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            _send(sock, {"error": error})
            continue
        child = pid
        # A pidfd (taken before anyone can reap the child, so it is this process):
        # the worker polls it to see the exit at once, before this report arrives.
        pidfd = os.pidfd_open(pid)
        try:
            _send(sock, {"pid": pid}, (pidfd,))
        finally:
            os.close(pidfd)
        # The child may have exited already: its SIGCHLD has woken ``wake``.


if __name__ == "__main__":
    main()
