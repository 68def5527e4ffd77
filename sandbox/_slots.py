"""Reusable job slots of the ``bwrap`` backend: a cgroup plus a spawner living in it.

A per-job cgroup costs a mkdir, a migration of the job's first process (on cgroup
v1 the migration waits for an RCU grace period, several milliseconds under CPU
contention) and an rmdir; starting bwrap with ``preexec_fn`` forks the whole worker
and then a reaper.  A slot pays those once: its cgroup ``slot-<worker pid>-<n>``
holds a small spawner process (``m1env.sandbox._spawner``) that forks each job's bwrap
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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from m1env.errors import SandboxInternalError

from ._proc import SPAWN_LOCK
from .cgroups import CgroupManager, JobCgroup

__all__ = ["Prepared", "Slot", "SlotPool", "SpawnedChild", "make_request"]

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
        raw, fds, _, _ = socket.recv_fds(sock, _MAX_MSG, 3)
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


@dataclass
class Prepared:
    """A bwrap started ahead of time for a job of shape ``key``, blocked before the
    job's command; the worker's ends of its pipes and its (still empty) work dir."""

    key: object
    workdir: str
    stdin_fd: int
    stdout_fd: int
    stderr_fd: int

    def close(self) -> None:
        for fd in (self.stdin_fd, self.stdout_fd, self.stderr_fd):
            if fd >= 0:
                os.close(fd)


@dataclass
class _Standby:
    pid: int
    sock: socket.socket
    pidfd: int
    block_w: int
    prepared: Prepared | None

    def close(self) -> None:
        self.sock.close()
        os.close(self.pidfd)
        os.close(self.block_w)
        if self.prepared is not None:
            self.prepared.close()


def make_request(
    argv: Sequence[str],
    env: Mapping[str, str],
    cwd: str,
    rlimits: Sequence[tuple[int, int, int]],
    ids: tuple[int, int] | None,
) -> dict[str, object]:
    """A job request for the spawner's standby (see ``m1env.sandbox._spawner``)."""
    return {
        "argv": list(argv),
        "env": dict(env),
        "cwd": cwd,
        "rlimits": [list(r) for r in rlimits],
        "ids": list(ids) if ids else None,
    }


def _pipes(with_stdin: bool) -> tuple[list[int], list[int]]:
    """(the child's ends [stdin, stdout, stderr], ours [stdin or -1, stdout, stderr])."""
    out_r, out_w = os.pipe2(os.O_CLOEXEC)
    err_r, err_w = os.pipe2(os.O_CLOEXEC)
    if with_stdin:
        in_r, in_w = os.pipe2(os.O_CLOEXEC)
    else:
        in_r, in_w = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC), -1
    return [in_r, out_w, err_w], [in_w, out_r, err_r]


def _ppid(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return int(fh.read().rpartition(")")[2].split()[1])
    except (OSError, ValueError, IndexError):
        return -1


class Slot:
    """One cgroup with the spawner inside it; used by one job at a time."""

    def __init__(self, cgroup: JobCgroup, discard_workdir: Callable[[str], None]) -> None:
        self.cgroup = cgroup
        self.discard_workdir = discard_workdir
        self.broken = False
        self.oom_base = 0
        #: (memory bytes, processes) last written to the cgroup; None: unknown/lifted.
        self._limits: tuple[int, int] | None = None
        self._standby: _Standby | None = None
        #: What the spawner was asked for and has not offered yet (None: nothing).
        self._asked: tuple[Prepared | None] | None = None
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
            self.replenish(None)
        except BaseException:
            self.destroy()
            raise

    @property
    def spawner_pid(self) -> int:
        return self.proc.pid

    def replenish(
        self, prepare: tuple[object, str, dict[str, object], bool, list[int]] | None
    ) -> None:
        """Ask the spawner for the next standby (once the last one is used up).  With
        ``prepare`` = (shape key, empty work dir, request with ``--block-fd N``, whether
        the job has stdin, the fds bwrap gets after stdio, N being the next), the standby
        starts that bwrap at once and it waits, blocked.  The fds are ours to close."""
        if self.broken or self._asked is not None or self._standby is not None:
            if prepare is not None:
                self.discard_workdir(prepare[1])
                for fd in prepare[4]:
                    os.close(fd)
            return
        if prepare is None:
            try:
                self.sock.send(b"next")
            except OSError as exc:
                self.broken = True
                raise SandboxInternalError(f"the sandbox spawner is gone: {exc}") from exc
            self._asked = (None,)
            return
        key, workdir, request, with_stdin, extra = prepare
        theirs, ours = _pipes(with_stdin)
        theirs += extra
        try:
            socket.send_fds(self.sock, [json.dumps({"prepare": request}).encode()], theirs)
        except OSError as exc:
            self.broken = True
            for fd in ours:
                if fd >= 0:
                    os.close(fd)
            self.discard_workdir(workdir)
            raise SandboxInternalError(f"the sandbox spawner is gone: {exc}") from exc
        finally:
            for fd in theirs:
                os.close(fd)
        self._asked = (Prepared(key, workdir, *ours),)

    def _take_standby(self) -> _Standby:
        if self._standby is None:
            if self._asked is None:
                self.replenish(None)
            assert self._asked is not None
            (prepared,) = self._asked
            self._asked = None
            msg, fds = _recv(self.sock)
            if "standby" not in msg or len(fds) != 3:
                for fd in fds:
                    os.close(fd)
                if prepared is not None:
                    prepared.close()
                    self.discard_workdir(prepared.workdir)
                self.broken = True
                raise SandboxInternalError(f"unexpected message from the spawner: {msg}")
            pid = int(msg["standby"])  # type: ignore[call-overload]
            sock = socket.socket(fileno=fds[0])
            self._standby = _Standby(pid, sock, fds[1], fds[2], prepared)
        return self._standby

    def ready_for(self, memory_bytes: int, processes: int) -> Counters:
        """Check the slot is clean, apply this job's limits, re-base the counters."""
        if self.proc.poll() is not None:
            raise SandboxInternalError("the sandbox spawner exited")
        standby = self._take_standby()
        if select.select([standby.pidfd], [], [], 0)[0]:
            raise SandboxInternalError("the sandbox spawner's standby died")
        own = {self.spawner_pid, standby.pid}
        members = self.cgroup.members()
        if standby.prepared is not None:
            # The prepared bwrap's own process(es), blocked; nothing else.
            own |= {pid for pid in members - own if _ppid(pid) == standby.pid}
        # Nothing of an earlier job may be left: each job's tree was swept when it
        # ended; sweep again (a no-op normally) and insist.
        if members != own and self.cgroup.kill_all(spare=own) != own:
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

    def waiting_workdir(self) -> str | None:
        """The (empty) work dir of the sandbox prepared or being prepared here."""
        if self._standby is not None and self._standby.prepared is not None:
            return self._standby.prepared.workdir
        if self._asked is not None and self._asked[0] is not None:
            return self._asked[0].workdir
        return None

    @property
    def prepared(self) -> Prepared | None:
        """The prepared sandbox waiting in this slot (after :meth:`ready_for`)."""
        return self._standby.prepared if self._standby is not None else None

    def go(self) -> SpawnedChild:
        """Let the prepared bwrap run its job (the work dir must be filled by now)."""
        standby = self._standby
        assert standby is not None and standby.prepared is not None
        self._standby = None
        prepared = standby.prepared
        try:
            os.write(standby.block_w, b"x")
        except OSError as exc:
            self.broken = True
            standby.close()
            raise SandboxInternalError(f"the prepared sandbox is gone: {exc}") from exc
        os.close(standby.block_w)
        return SpawnedChild(self, standby.pid, standby.pidfd, standby.sock,
                            prepared.stdin_fd, prepared.stdout_fd, prepared.stderr_fd)  # fmt: skip

    def discard_prepared(self) -> None:
        """Kill the prepared sandbox (it was made for a job of another shape) and wait
        for the spawner's report, so that a plain standby can be asked for."""
        standby = self._standby
        assert standby is not None and standby.prepared is not None
        self._standby = None
        standby.close()
        self.discard_workdir(standby.prepared.workdir)
        self.cgroup.kill_all(spare={self.spawner_pid})
        msg, fds = _recv(self.sock)
        for fd in fds:
            os.close(fd)
        if "status" not in msg:
            self.broken = True
            raise SandboxInternalError(f"unexpected report from the sandbox spawner: {msg}")

    def spawn(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: str,
        rlimits: Sequence[tuple[int, int, int]],
        ids: tuple[int, int] | None,
        with_stdin: bool,
        extra_fds: Sequence[int] = (),
    ) -> SpawnedChild:
        """Hand the job to the (plain) standby, which execs ``argv`` (an absolute path)
        with ``extra_fds`` (ours to close) as its fds 3, 4, ...  Does not wait for the
        exec: a failure is reported by :meth:`SpawnedChild.reap`."""
        try:
            standby = self._take_standby()
        except BaseException:
            for fd in extra_fds:
                os.close(fd)
            raise
        assert standby.prepared is None
        self._standby = None  # used up, whatever happens next
        os.close(standby.block_w)
        theirs, ours = _pipes(with_stdin)
        theirs += extra_fds
        request = make_request(argv, env, cwd, rlimits, ids)
        try:
            socket.send_fds(standby.sock, [json.dumps(request).encode()], theirs)
        except OSError as exc:
            self.broken = True
            for fd in (*ours, standby.pidfd):
                if fd >= 0:
                    os.close(fd)
            standby.sock.close()
            raise SandboxInternalError(f"the sandbox spawner's standby is gone: {exc}") from exc
        finally:
            for fd in theirs:
                os.close(fd)
        return SpawnedChild(self, standby.pid, standby.pidfd, standby.sock, *ours)

    def job_killed(self) -> None:
        """Kill every process of the job (no standby exists now: the next is asked
        for only after the spawner's report).  If the job's files still fill the
        memory limit, lift it so that the spawner can report."""
        left = self.cgroup.kill_all(spare={self.spawner_pid})
        near_full = (
            left == {self.spawner_pid}
            and self._limits is not None
            and self.cgroup.usage_bytes() > self._limits[0] - _REPORT_HEADROOM
        )
        if near_full:
            self._limits = None
            self.cgroup.lift_memory_limit()

    def destroy(self) -> None:
        """Stop the spawner (it kills its job or standby) and remove the cgroup."""
        self.broken = True
        if self._standby is not None:
            self._standby.close()
            if self._standby.prepared is not None:
                self.discard_workdir(self._standby.prepared.workdir)
            self._standby = None
        if self._asked is not None and self._asked[0] is not None:
            self._asked[0].close()
            self.discard_workdir(self._asked[0].workdir)
        self._asked = None
        self.sock.close()
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.cgroup.remove()


class SpawnedChild:
    """A job started by a slot's standby (see ``m1env.sandbox._proc.Child``)."""

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
            self.slot.broken = True
            raise SandboxInternalError(f"unexpected report from the sandbox spawner: {msg}")
        self.reaped = True
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
    """Free slots of one backend; :meth:`take` hands out a ready one.

    Slots are handed out oldest-returned first, and the pool keeps one slot more
    than it has jobs in flight (up to ``2 * max_jobs()``): a slot's next sandbox is
    then built while another slot runs the next job, so back-to-back jobs find it
    ready rather than half built."""

    def __init__(
        self,
        cgroups: CgroupManager,
        discard_workdir: Callable[[str], None],
        max_jobs: Callable[[], int] = lambda: 1,
    ) -> None:
        self.cgroups = cgroups
        self.discard_workdir = discard_workdir
        self.max_jobs = max_jobs
        self._free: list[Slot] = []
        self._live = 0
        self._lock = threading.Lock()
        self._closed = False

    def _new_slot(self) -> Slot:
        with self._lock:
            self._live += 1
        try:
            return Slot(self.cgroups.create(_IDLE_MEMORY, 8, kind="slot"), self.discard_workdir)
        except BaseException:
            with self._lock:
                self._live -= 1
            raise

    def _destroy(self, slot: Slot) -> None:
        with self._lock:
            self._live -= 1
        with contextlib.suppress(OSError):
            slot.destroy()

    def take(self, memory_bytes: int, processes: int) -> tuple[Slot, Counters]:
        while True:
            with self._lock:
                if self._closed:
                    raise SandboxInternalError("the bwrap backend is closed")
                slot = self._free.pop(0) if self._free else None
            fresh = slot is None
            if slot is None:
                slot = self._new_slot()
            try:
                return slot, slot.ready_for(memory_bytes, processes)
            except (OSError, SandboxInternalError):
                self._destroy(slot)
                if fresh:
                    raise
                # else try the next one, or a fresh slot

    def give_back(self, slot: Slot) -> None:
        if slot.broken:
            self._destroy(slot)
            return
        spare = False
        with self._lock:
            closed = self._closed
            if not closed:
                self._free.append(slot)
                spare = len(self._free) < 2 and self._live < 2 * max(1, self.max_jobs())
        if closed:
            self._destroy(slot)
        elif spare:
            # Once per slot: a second free slot, so that the next job need not wait
            # for the sandbox this one is building.
            with contextlib.suppress(OSError, SandboxInternalError):
                extra = self._new_slot()
                with self._lock:
                    if not self._closed:
                        self._free.append(extra)
                        return
                self._destroy(extra)

    def waiting_workdirs(self) -> set[str]:
        """Work dirs of sandboxes waiting, prepared, for a job that has not come yet."""
        with self._lock:
            found = {slot.waiting_workdir() for slot in self._free}
        return {path for path in found if path is not None}

    def close(self) -> None:
        with self._lock:
            self._closed = True
            free, self._free = self._free, []
        for slot in free:
            self._destroy(slot)
