"""Reusable job slots of the ``bwrap`` backend: a cgroup plus a spawner living in it.

A per-job cgroup costs a mkdir, a migration of the job's first process (on cgroup
v1 the migration waits for an RCU grace period, several milliseconds under CPU
contention) and an rmdir; starting bwrap with ``preexec_fn`` forks the whole worker
and then a reaper.  A slot pays those once: its cgroup ``slot-<worker pid>-<n>``
holds a small spawner process (``sandbox._spawner``) that forks each job's bwrap
inside the cgroup.  Between jobs a slot is checked (spawner alive, no other member
left in the cgroup), re-limited, and its peak-memory and event counters are
re-based; a slot that fails a check is killed and removed, and a fresh one is made.

There is at most one slot per job in flight (the backend's limiter bounds that);
free slots wait in a list.  :meth:`SlotPool.close` removes them all; when the
worker dies, each spawner sees its socket close, kills its job and exits, and the
next backend removes the dead worker's slot cgroups (``CgroupManager.reap_stale``).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ._proc import SPAWN_LOCK
from .cgroups import CgroupManager, JobCgroup
from .errors import SandboxInternalError

__all__ = ["Slot", "SlotPool", "SpawnedChild"]

_SPAWNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_spawner.py")
_MAX_MSG = 1 << 16
#: The spawner answers at once; this only bounds a hung or dying spawner.
_REPLY_TIMEOUT_S = 10.0
#: Every job's limit while the slot is idle (only the spawner runs then).
_IDLE_MEMORY = 64 << 20
#: Memory the spawner may need to fork, report and fork a standby after a job.
_REPORT_HEADROOM = 16 << 20


def _recv(
    sock: socket.socket, timeout: float = _REPLY_TIMEOUT_S
) -> tuple[dict[str, object], list[int]]:
    ready, _, _ = select.select([sock], [], [], timeout)
    if not ready:
        raise SandboxInternalError("the sandbox spawner did not answer")
    try:
        raw, fds, _, _ = socket.recv_fds(sock, _MAX_MSG, 2)
    except OSError as exc:
        raise SandboxInternalError(f"the sandbox spawner is gone: {exc}") from exc
    if not raw:
        raise SandboxInternalError("the sandbox spawner exited")
    msg = json.loads(raw)
    if not isinstance(msg, dict):
        for fd in fds:
            os.close(fd)
        raise SandboxInternalError(f"unexpected reply from the sandbox spawner: {raw!r}")
    return msg, fds


@dataclass
class Counters:
    """Cumulative cgroup counters at the start of a job (the job's share is the rise)."""

    oom_kills: int
    pids_refused: int
    cpu_s: float | None
    baseline_bytes: int


class Slot:
    """One cgroup with the spawner inside it; used by one job at a time."""

    def __init__(self, cgroup: JobCgroup) -> None:
        self.cgroup = cgroup
        self.broken = False
        self.oom_base = 0
        #: (memory bytes, processes) last written to the cgroup; None: unknown/lifted.
        self._limits: tuple[int, int] | None = None
        #: The spawner's current standby: (pid, its socket, its pidfd).
        self._standby: tuple[int, socket.socket, int] | None = None
        self._asked = False
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            with SPAWN_LOCK:  # see SPAWN_LOCK: no job file may leak into this fork
                self.proc = subprocess.Popen(
                    [sys.executable, "-I", "-S", _SPAWNER, str(theirs.fileno())],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    pass_fds=(theirs.fileno(),),
                    cwd="/",
                )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self.sock = ours
        try:
            if _recv(ours)[0] != {"ready": True}:
                raise SandboxInternalError("the sandbox spawner did not start")
            # Moved only now: what its interpreter allocated while starting stays
            # charged to the worker's group, not to the jobs' memory limit.  Every
            # standby it forks from now on is born in the cgroup.
            cgroup.move(self.proc.pid)
            self._ask_standby()
        except BaseException:
            self.destroy()
            raise

    @property
    def spawner_pid(self) -> int:
        return self.proc.pid

    def _ask_standby(self) -> None:
        try:
            self.sock.send(b"next")
        except OSError as exc:
            self.broken = True
            raise SandboxInternalError(f"the sandbox spawner is gone: {exc}") from exc
        self._asked = True

    def _take_standby(self) -> tuple[int, socket.socket, int]:
        if self._standby is None:
            if not self._asked:
                self._ask_standby()
            msg, fds = _recv(self.sock)
            self._asked = False
            if "standby" not in msg or len(fds) != 2:
                for fd in fds:
                    os.close(fd)
                raise SandboxInternalError(f"unexpected message from the spawner: {msg}")
            pid = int(msg["standby"])  # type: ignore[call-overload]
            self._standby = (pid, socket.socket(fileno=fds[0]), fds[1])
        return self._standby

    def ready_for(self, memory_bytes: int, processes: int) -> Counters:
        """Check the slot is clean, apply this job's limits, re-base the counters."""
        if self.proc.poll() is not None:
            raise SandboxInternalError("the sandbox spawner exited")
        standby, _, pidfd = self._take_standby()
        if select.select([pidfd], [], [], 0)[0]:
            raise SandboxInternalError("the sandbox spawner's standby died")
        own = {self.spawner_pid, standby}
        # Nothing of an earlier job may be left: each job's tree was swept when it
        # ended; sweep again (a no-op normally) and insist.
        if self.cgroup.kill_all(spare=own) != own:
            raise SandboxInternalError("a slot cgroup holds processes of an earlier job")
        if self._limits != (memory_bytes, processes):
            self._limits = None
            self.cgroup.set_limits(memory_bytes, processes)
            self._limits = (memory_bytes, processes)
        self.cgroup.reset_peak()
        self.oom_base = self.cgroup.oom_kills()
        return Counters(
            oom_kills=self.oom_base,
            pids_refused=self.cgroup.pids_refused(),
            cpu_s=self.cgroup.cpu_seconds(),
            baseline_bytes=self.cgroup.usage_bytes(),
        )

    def spawn(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: str,
        rlimits: Sequence[tuple[int, int, int]],
        ids: tuple[int, int] | None,
        with_stdin: bool,
    ) -> SpawnedChild:
        """Hand the job to the standby, which execs ``argv`` (an absolute path).
        Does not wait for the exec: a failure is reported by :meth:`SpawnedChild.reap`."""
        pid, standby_sock, pidfd = self._take_standby()
        self._standby = None  # used up, whatever happens next
        out_r, out_w = os.pipe2(os.O_CLOEXEC)
        err_r, err_w = os.pipe2(os.O_CLOEXEC)
        if with_stdin:
            in_r, in_w = os.pipe2(os.O_CLOEXEC)
        else:
            in_r, in_w = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC), -1
        request = {
            "argv": list(argv),
            "env": dict(env),
            "cwd": cwd,
            "rlimits": [list(r) for r in rlimits],
            "ids": list(ids) if ids else None,
        }
        try:
            socket.send_fds(standby_sock, [json.dumps(request).encode()], [in_r, out_w, err_w])
        except OSError as exc:
            self.broken = True
            for fd in (out_r, err_r, in_w, pidfd):
                if fd >= 0:
                    os.close(fd)
            standby_sock.close()
            raise SandboxInternalError(f"the sandbox spawner's standby is gone: {exc}") from exc
        finally:
            for fd in (in_r, out_w, err_w):
                os.close(fd)
        return SpawnedChild(self, pid, pidfd, standby_sock, in_w, out_r, err_r)

    def job_killed(self) -> None:
        """Kill every process of the job (no standby exists now: the next is asked
        for only after the spawner's report).  If the job's files still fill the
        memory limit, lift it so that the spawner can report."""
        left = self.cgroup.kill_all(spare={self.spawner_pid})
        if left == {self.spawner_pid} and self._limits is not None:
            if self.cgroup.usage_bytes() > self._limits[0] - _REPORT_HEADROOM:
                self._limits = None
                self.cgroup.lift_memory_limit()

    def destroy(self) -> None:
        """Stop the spawner (it kills its job or standby) and remove the cgroup."""
        self.broken = True
        if self._standby is not None:
            self._standby[1].close()
            os.close(self._standby[2])
            self._standby = None
        self.sock.close()
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.cgroup.remove()


class SpawnedChild:
    """A job started by a slot's standby (see ``sandbox._proc.Child``)."""

    def __init__(
        self,
        slot: Slot,
        pid: int,
        pidfd: int,
        standby_sock: socket.socket,
        stdin_fd: int,
        stdout_fd: int,
        stderr_fd: int,
    ) -> None:
        self.slot = slot
        self.pid = pid
        self.exit_fd = pidfd
        self.standby_sock = standby_sock
        self.stdin_fd = stdin_fd
        self.stdout_fd = stdout_fd
        self.stderr_fd = stderr_fd
        self.reaped = False

    def reap(self) -> tuple[int, float, int]:
        """The spawner's exit report (call after the job's tree has been killed)."""
        try:
            msg, fds = _recv(self.slot.sock)
        except SandboxInternalError:
            self.slot.broken = True
            if self.slot.cgroup.oom_kills() > self.slot.oom_base:
                # The job filled its memory with something killing it does not free
                # (files in its work dir) and the OOM killer then took the spawner.
                self.reaped = True
                return -signal.SIGKILL, 0.0, 0
            raise
        for fd in fds:
            os.close(fd)
        if "status" not in msg:
            raise SandboxInternalError(f"unexpected report from the sandbox spawner: {msg}")
        self.reaped = True
        # The next job's standby is forked while this job is cleaned up.
        self.slot._ask_standby()
        # The standby's socket is closed on exec; a message on it means exec failed.
        try:
            failed = self.standby_sock.recv(_MAX_MSG, socket.MSG_DONTWAIT)
        except (BlockingIOError, ConnectionResetError):
            failed = b""
        if failed:
            why = json.loads(failed).get("error", failed.decode(errors="replace"))
            raise SandboxInternalError(f"could not start the sandbox: {why}")
        status = int(msg["status"])  # type: ignore[call-overload]
        cpu = float(msg["cpu"])  # type: ignore[arg-type]
        return os.waitstatus_to_exitcode(status), cpu, int(msg["maxrss"])  # type: ignore[call-overload]

    def close_stdin(self) -> None:
        if self.stdin_fd >= 0:
            os.close(self.stdin_fd)
            self.stdin_fd = -1

    def close(self) -> None:
        self.close_stdin()
        for fd in (self.stdout_fd, self.stderr_fd, self.exit_fd):
            os.close(fd)
        self.standby_sock.close()
        if not self.reaped:
            # The spawner still owes us an exit report: never reuse this slot.
            self.slot.broken = True


class SlotPool:
    """Free slots of one backend; :meth:`take` hands out a ready one."""

    def __init__(self, cgroups: CgroupManager) -> None:
        self.cgroups = cgroups
        self._free: list[Slot] = []
        self._lock = threading.Lock()
        self._closed = False

    def take(self, memory_bytes: int, processes: int) -> tuple[Slot, Counters]:
        while True:
            with self._lock:
                if self._closed:
                    raise SandboxInternalError("the bwrap backend is closed")
                slot = self._free.pop() if self._free else None
            if slot is None:
                slot = Slot(self.cgroups.create(_IDLE_MEMORY, 8, kind="slot"))
                try:
                    return slot, slot.ready_for(memory_bytes, processes)
                except BaseException:
                    slot.destroy()
                    raise
            try:
                return slot, slot.ready_for(memory_bytes, processes)
            except (OSError, SandboxInternalError):
                slot.destroy()  # and try the next one, or a fresh slot

    def give_back(self, slot: Slot) -> None:
        if not slot.broken:
            with self._lock:
                if not self._closed:
                    self._free.append(slot)
                    return
        slot.destroy()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            free, self._free = self._free, []
        for slot in free:
            with contextlib.suppress(OSError):
                slot.destroy()
