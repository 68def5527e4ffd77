"""Per-job control groups for memory and process-count limits (fork bombs).

Where the worker can write to cgroups (as root, or with a delegated subtree) each
job gets its own group under the worker's *own* cgroup, so the host's accounting
of the worker still covers its jobs:

* cgroup v1 (the hybrid layout of this CI machine): ``memory`` and ``pids``
  hierarchies, ``<mount>/<worker cgroup>/m1env-sandbox/job-<pid>-<n>``; limits
  ``memory.limit_in_bytes`` (+ ``memsw`` when swap accounting exists) and
  ``pids.max``; OOM kills read from ``memory.oom_control``, peak from
  ``memory.max_usage_in_bytes``.
* cgroup v2: the same layout in the unified hierarchy, ``memory.max``,
  ``memory.swap.max = 0``, ``pids.max``, ``memory.events`` / ``memory.peak``; used
  only when ``memory`` and ``pids`` can be enabled below the worker's cgroup.

The child joins its group itself, before exec (see :meth:`JobCgroup.join_fds`), so
nothing it forks escapes.  :meth:`JobCgroup.kill_all` SIGKILLs every member until
the group is empty.  The ``bwrap`` backend keeps one long-lived group per concurrency
slot instead (``slot-<pid>-<n>``, see ``m1env.sandbox._slots``), re-limited and checked
empty before each job.  Groups left by a dead worker (``job-``/``slot-<pid>-*``
with no such pid) are killed and removed when a :class:`CgroupManager` starts.  When none of
this is possible, :func:`CgroupManager.detect` returns ``None`` with the reason,
and the backends fall back to rlimits and say so.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import threading
import time
from dataclasses import dataclass, field

from ._proc import owner_gone

__all__ = ["CgroupManager", "JobCgroup"]

_BASE = "m1env-sandbox"
#: One counter per process: several managers (backends) may share the directories.
_counter = itertools.count()
_counter_lock = threading.Lock()


def _event_count(path: str, key: str) -> int:
    """The counter ``key`` of a ``key value`` per line file (0 if absent or unreadable)."""
    try:
        text = _read(path)
    except OSError:
        return 0
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name == key:
            return int(value)
    return 0


def _read(path: str) -> str:
    with open(path) as fh:
        return fh.read()


def _write(path: str, value: str) -> None:
    with open(path, "w") as fh:
        fh.write(value)


def _mounts() -> tuple[dict[str, str], str | None]:
    """v1 controller -> mount point, and the v2 mount point (if any)."""
    v1: dict[str, str] = {}
    v2 = None
    for line in _read("/proc/self/mountinfo").splitlines():
        left, _, right = line.partition(" - ")
        fstype, _, opts = right.split(" ", 2)
        mnt = left.split(" ")[4]
        if fstype == "cgroup2" and v2 is None:
            v2 = mnt
        elif fstype == "cgroup":
            for opt in opts.split(","):
                if opt in ("memory", "pids", "cpuacct"):
                    v1[opt] = mnt
    return v1, v2


def _own_paths() -> tuple[dict[str, str], str | None]:
    """The worker's cgroup path per v1 controller, and its v2 path."""
    v1: dict[str, str] = {}
    v2 = None
    for line in _read("/proc/self/cgroup").splitlines():
        _, ctrls, path = line.split(":", 2)
        if ctrls == "":
            v2 = path
        for c in ctrls.split(","):
            v1[c] = path
    return v1, v2


@dataclass
class JobCgroup:
    """One job's groups (one dir per v1 hierarchy, or one v2 dir) and their version."""

    version: int
    memory_dir: str
    pids_dir: str
    cpu_dir: str | None = None
    #: v2 only: an fd of ``memory.peak`` reset by :meth:`reset_peak` (peak since then).
    _peak_fd: int = field(default=-1, repr=False)

    @property
    def dirs(self) -> list[str]:
        return sorted(
            {self.memory_dir, self.pids_dir} | ({self.cpu_dir} if self.cpu_dir else set())
        )

    def cpu_seconds(self) -> float | None:
        """CPU time of everything that ran in the group (None if not accounted)."""
        try:
            if self.version == 1 and self.cpu_dir:
                return int(_read(os.path.join(self.cpu_dir, "cpuacct.usage"))) / 1e9
            if self.version == 2:
                for line in _read(os.path.join(self.memory_dir, "cpu.stat")).splitlines():
                    if line.startswith("usage_usec "):
                        return int(line.split()[1]) / 1e6
        except (OSError, ValueError):
            pass
        return None

    def join_fds(self) -> list[int]:
        """Open ``cgroup.procs`` of every group; the child writes its pid to each."""
        return [os.open(os.path.join(d, "cgroup.procs"), os.O_WRONLY) for d in self.dirs]

    def members(self) -> set[int]:
        """Pids of the processes in the group (all hierarchies)."""
        return self._members()

    def _members(self) -> set[int]:
        pids: set[int] = set()
        for d in self.dirs:
            with contextlib.suppress(FileNotFoundError):
                pids.update(int(p) for p in _read(os.path.join(d, "cgroup.procs")).split())
        return pids

    def kill_all(self, spare: int | set[int] | None = None) -> set[int]:
        """SIGKILL every process in the group (but ``spare``) until none is left (~2 s).
        Returns the members left at the end (``spare`` ones, or stragglers)."""
        kill_file = os.path.join(self.memory_dir, "cgroup.kill")
        if spare is None and self.version == 2 and os.path.exists(kill_file):
            with contextlib.suppress(OSError):
                _write(kill_file, "1")
        spared = spare if isinstance(spare, set) else {spare} if spare is not None else set()
        members = self._members()
        for attempt in range(400):
            if not members - spared:
                return members
            for pid in members - spared:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.0005 if attempt < 20 else 0.005)
            members = self._members()
        return members

    def is_empty(self) -> bool:
        return not self._members()

    def oom_kills(self) -> int:
        name = "memory.oom_control" if self.version == 1 else "memory.events"
        return _event_count(os.path.join(self.memory_dir, name), "oom_kill")

    def pids_refused(self) -> int:
        return _event_count(os.path.join(self.pids_dir, "pids.events"), "max")

    def peak_bytes(self) -> int | None:
        if self._peak_fd == -2:
            return None
        if self._peak_fd >= 0:
            try:
                return int(os.pread(self._peak_fd, 64, 0))
            except (OSError, ValueError):
                return None
        name = "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"
        try:
            return int(_read(os.path.join(self.memory_dir, name)))
        except (OSError, ValueError):
            return None

    def usage_bytes(self) -> int:
        name = "memory.usage_in_bytes" if self.version == 1 else "memory.current"
        return int(_read(os.path.join(self.memory_dir, name)))

    def reset_peak(self) -> bool:
        """Restart peak tracking from the current usage.  False where the kernel cannot
        (cgroup v2 before Linux 6.12); :meth:`peak_bytes` is then None until a reset works."""
        self._close_peak()
        try:
            if self.version == 1:
                _write(os.path.join(self.memory_dir, "memory.max_usage_in_bytes"), "0")
                return True
            fd = os.open(os.path.join(self.memory_dir, "memory.peak"), os.O_RDWR | os.O_CLOEXEC)
        except OSError:
            self._peak_fd = -2
            return False
        try:
            os.write(fd, b"reset\n")
        except OSError:
            os.close(fd)
            self._peak_fd = -2
            return False
        self._peak_fd = fd
        return True

    def _close_peak(self) -> None:
        if self._peak_fd >= 0:
            os.close(self._peak_fd)
        self._peak_fd = -1

    def set_limits(self, memory_bytes: int, processes: int) -> None:
        """Memory (no swap) and process-count limits; may be called again to change them."""
        if self.version == 1:
            limit = os.path.join(self.memory_dir, "memory.limit_in_bytes")
            memsw = os.path.join(self.memory_dir, "memory.memsw.limit_in_bytes")
            files = [limit, memsw] if os.path.exists(memsw) else [limit]
            # memory+swap may never be below memory: raise it first, lower it last.
            if int(_read(limit)) < memory_bytes:
                files.reverse()
            for path in files:
                _write(path, str(memory_bytes))
        else:
            _write(os.path.join(self.memory_dir, "memory.max"), str(memory_bytes))
            swap = os.path.join(self.memory_dir, "memory.swap.max")
            if os.path.exists(swap):
                _write(swap, "0")
        _write(os.path.join(self.pids_dir, "pids.max"), str(processes))

    def lift_memory_limit(self) -> None:
        """No memory limit (until the next :meth:`set_limits`)."""
        if self.version == 1:
            memsw = os.path.join(self.memory_dir, "memory.memsw.limit_in_bytes")
            if os.path.exists(memsw):
                _write(memsw, "-1")
            _write(os.path.join(self.memory_dir, "memory.limit_in_bytes"), "-1")
        else:
            _write(os.path.join(self.memory_dir, "memory.max"), "max")

    def move(self, pid: int) -> None:
        """Move process ``pid`` (not its existing children) into the group."""
        for d in self.dirs:
            _write(os.path.join(d, "cgroup.procs"), str(pid))

    def remove(self) -> None:
        self._close_peak()
        self.kill_all()
        for d in self.dirs:
            for _ in range(200):
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    # EBUSY until the last killed member has been reaped by the kernel.
                    time.sleep(0.005)


class CgroupManager:
    """Creates job groups below the worker's cgroup.  Use :meth:`detect`."""

    def __init__(
        self, version: int, memory_base: str, pids_base: str, cpu_base: str | None = None
    ) -> None:
        self.version = version
        self.memory_base = memory_base
        self.pids_base = pids_base
        self.cpu_base = cpu_base
        self.reap_stale()

    @classmethod
    def detect(cls) -> tuple[CgroupManager | None, str]:
        """A manager if cgroups are writable here, with a sentence saying which/why not."""
        try:
            v1_mounts, v2_mount = _mounts()
            v1_own, v2_own = _own_paths()
        except OSError as exc:
            return None, f"cannot read cgroup layout: {exc}"
        reasons = []
        if "memory" in v1_mounts and "pids" in v1_mounts:
            mem = os.path.join(v1_mounts["memory"] + v1_own.get("memory", "/"), _BASE)
            pids = os.path.join(v1_mounts["pids"] + v1_own.get("pids", "/"), _BASE)
            try:
                for d in (mem, pids):
                    os.makedirs(d, exist_ok=True)
                    if not os.access(os.path.join(d, "cgroup.procs"), os.W_OK):
                        raise PermissionError(f"{d}/cgroup.procs is not writable")
                # Hierarchical accounting is the default on modern kernels; set it where
                # the knob is still writable.
                hier = os.path.join(mem, "memory.use_hierarchy")
                if os.path.exists(hier) and _read(hier).strip() != "1":
                    _write(hier, "1")
                cpu = None
                if "cpuacct" in v1_mounts:
                    cpu = os.path.join(v1_mounts["cpuacct"] + v1_own.get("cpuacct", "/"), _BASE)
                    try:
                        os.makedirs(cpu, exist_ok=True)
                    except OSError:
                        cpu = None
                what = "memory+pids" + ("+cpuacct" if cpu else "")
                return cls(1, mem, pids, cpu), f"cgroup v1 {what} under {os.path.dirname(mem)}"
            except OSError as exc:
                reasons.append(f"cgroup v1 not writable ({exc})")
        if v2_mount is not None and v2_own is not None:
            own = v2_mount + v2_own
            base = os.path.join(own, _BASE)
            try:
                available = _read(os.path.join(own, "cgroup.controllers")).split()
                if not {"memory", "pids"} <= set(available):
                    raise OSError(f"controllers at {own}: {available or 'none'}")
                os.makedirs(base, exist_ok=True)
                _write(os.path.join(base, "cgroup.subtree_control"), "+memory +pids")
                return cls(2, base, base), f"cgroup v2 memory+pids under {own}"
            except OSError as exc:
                reasons.append(f"cgroup v2 not usable ({exc})")
        if not reasons:
            reasons.append("no memory/pids cgroup controllers mounted")
        return None, "; ".join(reasons)

    def reap_stale(self) -> int:
        """Kill and remove job groups whose worker process is gone."""
        removed = 0
        names: set[str] = set()
        for base in {self.memory_base, self.pids_base, self.cpu_base} - {None}:
            assert base is not None
            try:
                names.update(n for n in os.listdir(base) if n.startswith(("job-", "slot-")))
            except FileNotFoundError:
                continue
        for name in names:
            try:
                owner = int(name.split("-")[1])
            except (IndexError, ValueError):
                continue
            if owner_gone(owner):
                self._group(name).remove()
                removed += 1
        return removed

    def _group(self, name: str) -> JobCgroup:
        cpu = os.path.join(self.cpu_base, name) if self.cpu_base else None
        return JobCgroup(
            self.version,
            os.path.join(self.memory_base, name),
            os.path.join(self.pids_base, name),
            cpu,
        )

    def create(self, memory_bytes: int, processes: int, kind: str = "job") -> JobCgroup:
        """A new group ``<kind>-<worker pid>-<n>`` with these limits."""
        with _counter_lock:
            name = f"{kind}-{os.getpid()}-{next(_counter)}"
        job = self._group(name)
        for d in job.dirs:
            os.mkdir(d)
        try:
            job.set_limits(memory_bytes, processes)
        except OSError:
            job.remove()
            raise
        return job
