"""``bwrap`` backend: bubblewrap namespaces + cgroups + rlimits.  The default where available.

Each step runs as ``bwrap`` with new user, pid, network, ipc, uts, cgroup and mount
namespaces (``--unshare-all``, ``--disable-userns``), a new session, and
``--die-with-parent``.  The root is an empty tmpfs, remounted read-only, holding
read-only binds of ``/usr`` (and the ``/bin``, ``/lib*``, ``/sbin`` links or dirs),
the dynamic-loader config and ``/etc/alternatives``; a fresh ``/proc`` and minimal
``/dev``; a private size-capped ``/tmp``; and the job's own work dir at ``/work`` (a
fresh host dir on ``/dev/shm``, whose pages are charged to the job's memory cgroup,
deleted after the job).  When the worker is root, bwrap itself runs as ``nobody``
(see ``sandbox._local``).

Protects against:
    * network egress of any kind (loopback Redis/PostgreSQL included): the network
      namespace has only a down ``lo`` unless ``Limits.network`` is true;
    * reading host secrets: the worker's environment is replaced by a fixed one;
      ``/root``, ``/home``, ``/etc`` (shadow, passwd...), ``/var/run/docker.sock`` and
      the worker's files are simply not mounted;
    * writing outside ``/work`` and ``/tmp`` (everything else is read-only or absent);
      state for the next job (work dir, ``/tmp`` and ``/dev/shm`` die with the job);
    * fork bombs and memory bombs: a per-job cgroup with ``pids.max`` and a memory
      limit (v1 or v2, see ``sandbox.cgroups``); without writable cgroups the backend
      falls back to ``RLIMIT_NPROC`` and ``RLIMIT_AS`` and says so in ``info()``;
    * CPU/wall time, output floods, huge files, fd exhaustion (rlimits + the shared
      engine in ``sandbox._proc``); the whole tree dies on timeout (SIGKILL to bwrap,
      which takes the pid namespace with it, then a sweep of the cgroup);
    * TIOCSTI terminal injection (new session, stdin/stdout are pipes, no tty);
    * mount, ptrace of anything outside, setuid: the job has no capabilities at all
      (bounding set empty), no_new_privs is set, setuid-root binaries are not honoured,
      uid 0 is not even mapped; host processes are invisible (own pid namespace);
    * a worker killed mid-run: the chain worker -> reaper -> bwrap holds parent-death
      signals end to end and ``--die-with-parent`` kills the namespace; stale work dirs
      and cgroups are reaped when the next backend starts;
    * zombies: a small subreaper (``sandbox._local.fork_reaper``, outside the job's
      cgroup and uid) sits between the worker and bwrap and reaps the namespace init
      that bwrap leaves behind.

Does NOT protect against:
    * kernel bugs reachable through the syscalls left open (no seccomp filter is
      installed) -- use the ``docker`` backend with its seccomp profile, or a VM,
      when that matters;
    * side channels and CPU contention with other jobs (no CPU quota, only the job
      cap of ``sandbox.limiter``);
    * reading world-readable files under ``/usr`` (they are the toolchain);
    * the CPU limit is whole seconds (``RLIMIT_CPU``) and is judged again from the
      cgroup's CPU time afterwards; without cgroups, ``RLIMIT_NPROC`` counts every
      process of the job user on the host (all concurrent jobs together).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from typing import Any, ClassVar

from .._local import LocalWorkdirs, fork_reaper, sandbox_ids, scrubbed_env, set_pdeathsig
from .._proc import execute, kill_group, set_rlimits
from ..backend import Backend, Step, decide_verdict
from ..cgroups import CgroupManager, JobCgroup
from ..contract import ExecResult
from ..errors import SandboxInternalError
from ..limiter import JobLimiter

__all__ = ["BwrapBackend"]

_ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives")
_ROOT_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_INSIDE_ID = "65534"


def _bwrap_path() -> str | None:
    return shutil.which("bwrap", path="/usr/bin:/usr/local/bin:/bin")


def _drop(ids: tuple[int, int] | None) -> None:
    if ids:
        os.setgroups([])
        os.setgid(ids[1])
        os.setuid(ids[0])


@functools.lru_cache(maxsize=1)
def _probe() -> tuple[bool, str]:
    exe = _bwrap_path()
    if exe is None:
        return False, "bubblewrap (bwrap) is not installed; run scripts/ci/setup-sandbox.sh"
    ids = sandbox_ids()
    cmd = [exe, "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
           "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "/bin/true"]  # fmt: skip
    try:
        proc = subprocess.run(
            cmd,
            capture_output=True,
            timeout=10,
            env={"PATH": "/usr/bin:/bin"},
            preexec_fn=(lambda: _drop(ids)) if ids else None,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bwrap cannot start: {exc}"
    if proc.returncode != 0:
        why = proc.stderr.decode(errors="replace").strip()
        return False, f"bwrap cannot create namespaces here (user namespaces disabled?): {why}"
    return True, f"{exe} creates user/pid/net/ipc/uts/mount namespaces"


class BwrapBackend(Backend):
    name: ClassVar[str] = "bwrap"

    def __init__(self, limiter: JobLimiter | None = None, workdir_base: str | None = None) -> None:
        super().__init__(limiter)
        self.exe = _bwrap_path() or "bwrap"
        self.workdirs = LocalWorkdirs(workdir_base)
        self.cgroups, self.cgroup_note = CgroupManager.detect()
        if self.cgroups is None:
            self.cgroup_note += (
                "; falling back to RLIMIT_AS (memory) and RLIMIT_NPROC (processes, "
                "counted per host user across jobs)"
            )
        self._mounts = self._system_mounts()

    @classmethod
    def probe(cls) -> tuple[bool, str]:
        return _probe()

    def info(self) -> dict[str, Any]:
        ids = self.workdirs.ids
        return {
            **super().info(),
            "bwrap": self.exe,
            "namespaces": ["user", "pid", "net", "ipc", "uts", "cgroup", "mount"],
            "cgroups": self.cgroup_note,
            "runs_as": f"host uid {ids[0]}" if ids else f"host uid {os.geteuid()}",
            "workdir_base": self.workdirs.base,
        }

    @staticmethod
    def _system_mounts() -> list[str]:
        args = ["--ro-bind", "/usr", "/usr"]
        for path in _ROOT_LINKS:
            if os.path.islink(path):
                args += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                args += ["--ro-bind", path, path]
        for path in _ETC_FILES:
            if os.path.exists(path):
                args += ["--ro-bind", path, path]
        return args

    def _argv(self, step: Step, workdir: str) -> list[str]:
        limits = step.limits
        args = [self.exe, "--unshare-all", "--unshare-user", "--disable-userns"]
        if limits.network:
            args.append("--share-net")
        args += ["--die-with-parent", "--new-session", "--hostname", "sandbox",
                 "--uid", _INSIDE_ID, "--gid", _INSIDE_ID,
                 "--tmpfs", "/", *self._mounts,
                 "--proc", "/proc", "--dev", "/dev",
                 "--size", str(limits.memory_bytes), "--perms", "1777", "--tmpfs", "/tmp",
                 "--bind", workdir, "/work", *self._mount_args(step), "--chdir", "/work",
                 "--remount-ro", "/", "--", *step.argv]  # fmt: skip
        return args

    @staticmethod
    def _mount_args(step: Step) -> list[str]:
        args: list[str] = []
        for inside, mount in sorted(step.mounts.items()):
            if not os.path.isdir(mount.source):
                raise SandboxInternalError(f"mount source {mount.source} is not a directory")
            args += ["--bind" if mount.writable else "--ro-bind", mount.source, inside]
        return args

    def execute(self, step: Step) -> ExecResult:
        limits = step.limits
        ids = self.workdirs.ids
        cgroup: JobCgroup | None = None
        join_fds: list[int] = []
        notes: list[str] = []
        if self.cgroups is not None:
            # +2: the two bwrap processes (monitor and namespace init) count too.
            cgroup = self.cgroups.create(limits.memory_bytes, limits.processes + 2)
        else:
            notes.append(self.cgroup_note)
        workdir = None
        try:
            join_fds = cgroup.join_fds() if cgroup else []
            fallback = cgroup is None
            # RLIMIT_NPROC counts every process of the host uid, zombies included; where
            # PID 1 reaps orphaned bwrap inits lazily (as on this CI VM) they linger a
            # while, so the fallback leaves generous headroom above the job's own count.
            nproc = (limits.processes + 4) * self.limiter.max_jobs + 256 if fallback else None

            def preexec() -> None:
                # The reaper splits off first: it stays in the worker's cgroups with the
                # worker's credentials, so the fork of this (worker-sized) process is
                # not charged to the fresh job cgroup and the job cannot touch it.
                set_pdeathsig()
                fork_reaper()
                pid = str(os.getpid()).encode()
                for fd in join_fds:
                    os.write(fd, pid)
                set_rlimits(
                    cpu_s=limits.cpu_s,
                    address_space=limits.memory_bytes if fallback else None,
                    file_size=limits.file_size_bytes,
                    open_files=limits.open_files,
                    processes=nproc,
                )
                _drop(ids)
                # After the uid change: changing credentials clears the death signal.
                set_pdeathsig()

            def kill(pid: int) -> None:
                # ``pid`` is the reaper: spare it so that it reaps what dies, then exits.
                if cgroup is not None:
                    cgroup.kill_all(spare=pid)
                else:
                    kill_group(pid)

            workdir = self.workdirs.create(step)
            out = execute(
                self._argv(step, workdir),
                cwd="/",
                env=scrubbed_env("/work", step.env),
                stdin=step.stdin,
                wall_s=limits.wall_s,
                output_bytes=limits.output_bytes,
                preexec_fn=preexec,
                kill=kill,
            )
            files, collect_notes = self.workdirs.collect(workdir, step)
            notes += collect_notes
            oom = cgroup.oom_kills() if cgroup else 0
            peak = cgroup.peak_bytes() if cgroup else out.maxrss_bytes
            refused = cgroup.pids_refused() if cgroup else 0
            cpu_s = (cgroup.cpu_seconds() if cgroup else None) or out.cpu_s
        finally:
            for fd in join_fds:
                os.close(fd)
            if cgroup is not None:
                cgroup.remove()
            if workdir is not None:
                self.workdirs.remove(workdir)
        exit_code, sig = out.exit_code, out.signal
        # bwrap reports a child killed by signal N as exit status 128+N.
        if exit_code is not None and 128 < exit_code <= 128 + 64:
            sig = exit_code - 128
            exit_code = None
        if refused:
            notes.append(f"process limit reached: {refused} fork(s) refused")
        if oom:
            notes.append(f"memory limit reached: {oom} process(es) OOM-killed")
        stderr = out.stderr.decode("utf-8", "replace")
        verdict = decide_verdict(
            exit_code=exit_code,
            signal=sig,
            limits=limits,
            timed_out=out.timed_out,
            output_exceeded=out.output_exceeded,
            cpu_s=cpu_s,
            oom_kills=oom,
            stderr=stderr,
            rlimit_memory=cgroup is None,
        )
        if verdict == "ok" and sig is None and out.exit_code is None:
            verdict = "runtime_error"
        return ExecResult(
            verdict=verdict,
            exit_code=exit_code,
            signal=sig,
            stdout=out.stdout.decode("utf-8", "replace"),
            stderr=stderr,
            stdout_truncated=out.stdout_truncated,
            stderr_truncated=out.stderr_truncated,
            cpu_s=cpu_s,
            wall_s=out.wall_s,
            peak_memory_bytes=peak,
            messages=tuple(notes),
            files=files,
        )
