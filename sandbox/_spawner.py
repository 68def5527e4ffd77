"""A small per-slot process that starts the ``bwrap`` backend's jobs (a "zygote").

Run as ``python3 -I -S _spawner.py FD`` with one end of a ``SOCK_SEQPACKET`` socket
pair as fd ``FD``.  It imports only the standard library and lives for many jobs,
inside the slot's cgroup (the worker moves it there once).  It always keeps one
*standby* child forked ahead of time: that child is born in the cgroup, waits on a
socket of its own for the worker's job request, then applies the job's rlimits, a
new session and the job's uid, and execs ``bwrap``.  Starting a job thus costs the
worker one message and the standby one wake-up: no fork of the (large,
multi-threaded) worker, no per-job cgroup created, joined (cgroup v1 migration
waits for an RCU grace period, which stretches under CPU contention) and removed,
no reaper fork, and not even a fork of the spawner on the job's critical path.

The spawner is a child subreaper: it reaps the standby (= bwrap's monitor) and also
the pid namespace's init, which bubblewrap's monitor leaves behind and which would
otherwise pile up as zombies of host PID 1.  Jobs get oom_score_adj 1000, so a memory
bomb kills the job, not the spawner; if the spawner dies anyway, the worker replaces
the slot.

Protocol (one JSON message per datagram, fds by SCM_RIGHTS):
  spawner -> worker  {"ready": true} once started (the worker then moves it into
                      the slot's cgroup)
  worker -> spawner  b"next": fork a standby (only when none exists), or
                      {"prepare": request} with the request's fds (stdin, stdout,
                      stderr, then bwrap's own: its arguments, its seccomp program): fork a standby
                      that starts bwrap for that request at once, blocked
  spawner -> worker  {"standby": pid, "prepared": bool} with fds [standby socket,
                      pidfd of standby, write end of its block pipe]
  worker -> standby  (not prepared) a request {"argv", "env", "cwd", "rlimits":
                      [[res, soft, hard]...], "ids": [uid, gid] | null} with fds
                      [stdin, stdout, stderr, bwrap's own...] (at 0, 1, 2, 3... in bwrap); the standby socket then closes on
                      exec, or carries {"error": why} if the exec failed
  worker -> block    (prepared) one byte: the blocked bwrap runs the job
  spawner -> worker  when the standby has exited (after its job, or unused) and
                      been reaped: {"status": wait status, "cpu": s, "maxrss": bytes}
The standby is asked for after a job's report, so it is forked while the worker
cleans up, off the next job's critical path, and never exists while the worker
sweeps the cgroup of a finished job.
When the worker's end closes (the worker exited or was killed) the spawner kills
its running job (bwrap's ``--die-with-parent`` takes the namespace with it) and its
standby, and exits; an idle standby also exits when its socket closes.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import resource
import select
import signal
import socket
import sys
import time
from typing import Any

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_MAX_MSG = 1 << 20
_MAX_FDS = 8
_libc = ctypes.CDLL(None, use_errno=True)


def _setup() -> tuple[socket.socket, int]:
    if _libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
    sock = socket.socket(fileno=int(sys.argv[1]))
    sock.set_inheritable(False)
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_w)
    return sock, wake_r


def _child(req: dict[str, Any], fds: list[int], sock: socket.socket, spawner: int) -> None:
    """In the standby: become the job's bwrap.  Never returns."""
    err_w = sock.fileno()
    try:
        # Out of the way of 0..len(fds)-1 first; the socket is close-on-exec, so the
        # worker sees EOF on it once bwrap runs.
        err_w = fcntl.fcntl(err_w, fcntl.F_DUPFD_CLOEXEC, 64)
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 64) for fd in fds]
        for target, fd in enumerate(high):
            os.dup2(fd, target)  # the copy at ``target`` is inherited by bwrap
        os.closerange(len(high), err_w)
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
    except BaseException as exc:  # report anything, then die
        with contextlib.suppress(OSError):
            why = f"{type(exc).__name__}: {exc}"[:1000]
            os.write(err_w, json.dumps({"error": why}).encode())
    os._exit(127)


def _fork_standby(
    worker: socket.socket,
    prepare: tuple[dict[str, Any], list[int]] | None,
) -> tuple[int, socket.socket, int]:
    """Fork the next standby: the pid, the worker's end of its socket and the write
    end of its block pipe.  With ``prepare`` (a request and its fds) the standby execs
    bwrap at once with the block pipe as the fd after them (``--block-fd N`` in the request):
    bwrap builds the sandbox and waits there until the worker writes a byte."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    block_r, block_w = os.pipe2(os.O_CLOEXEC)
    spawner = os.getpid()
    pid = os.fork()
    if pid == 0:  # the standby
        try:
            _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            if os.getppid() != spawner:
                os._exit(0)
            worker.close()
            ours.close()
            os.close(block_w)
            if prepare is None:
                msg, fds, _, _ = socket.recv_fds(theirs, _MAX_MSG, _MAX_FDS)
                if not msg or len(fds) < 3:
                    os._exit(0)  # the worker closed this standby (or is gone)
                _child(json.loads(msg), fds, theirs, spawner)
            else:
                _child(prepare[0], [*prepare[1], block_r], theirs, spawner)
        finally:
            os._exit(127)
    theirs.close()
    os.close(block_r)
    if prepare is not None:
        for fd in prepare[1]:
            os.close(fd)
    return pid, ours, block_w


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


def _send(sock: socket.socket, msg: dict[str, Any], fds: tuple[int, ...] = ()) -> None:
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


def _offer(
    sock: socket.socket, prepare: tuple[dict[str, Any], list[int]] | None
) -> tuple[int, int]:
    """Fork a standby and offer it to the worker: its pid, and our copy of the write
    end of its block pipe.  That copy is held until the standby is reaped, so a
    prepared bwrap never sees EOF there (which would let it run) merely because the
    worker died: it is killed first (see ``main``)."""
    pid, ours, block_w = _fork_standby(sock, prepare)
    # A pidfd taken before anyone can reap the standby, so it is this very process:
    # the worker polls it to see the job's exit at once.
    pidfd = os.pidfd_open(pid)
    try:
        msg = {"standby": pid, "prepared": prepare is not None}
        _send(sock, msg, (ours.fileno(), pidfd, block_w))
    finally:
        os.close(pidfd)
        ours.close()
    return pid, block_w


def _kill_orphans() -> None:
    """Kill and reap every child we still have.  bwrap arms its namespace's init with
    the parent-death signal (``--die-with-parent``) only after cloning it: a monitor
    killed in between leaves that init running, blocked on its ``--block-fd``, and,
    as a subreaper, we inherit it.  Killing it ends its whole pid namespace."""
    me = os.getpid()
    for _ in range(100):
        try:
            with open(f"/proc/{me}/task/{me}/children") as fh:
                pids = [int(p) for p in fh.read().split()]
        except OSError:
            return
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in pids:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def main() -> None:
    sock, wake = _setup()
    _send(sock, {"ready": True})
    standby = block_w = 0
    while True:
        readable, _, _ = select.select([sock.fileno(), wake], [], [])
        if wake in readable:
            _drain(wake)
            if (done := _reap(standby)) is not None:
                status, cpu, maxrss = done
                standby = 0
                os.close(block_w)
                _send(sock, {"status": status, "cpu": cpu, "maxrss": maxrss})
        if sock.fileno() not in readable:
            continue
        try:
            msg, fds, _, _ = socket.recv_fds(sock, _MAX_MSG, _MAX_FDS)
        except ConnectionResetError:
            msg, fds = b"", []
        if msg and not standby:
            if msg == b"next" and not fds:
                standby, block_w = _offer(sock, None)
                continue
            if msg.startswith(b"{") and len(fds) >= 3:
                standby, block_w = _offer(sock, (json.loads(msg)["prepare"], fds))
                continue
        # The worker is gone (or confused): take the job or standby down with us.
        # The standby dies (SIGKILL, then reaped: its bwrap child got its parent-death
        # SIGKILL meanwhile) before our end of its block pipe closes.
        if standby:
            with contextlib.suppress(ProcessLookupError):
                os.kill(standby, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(standby, 0)
        _kill_orphans()
        sys.exit(0)


if __name__ == "__main__":
    main()
