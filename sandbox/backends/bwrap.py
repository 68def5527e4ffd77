"""``bwrap`` backend: bubblewrap namespaces + cgroups + rlimits.  The default where available.

Each step runs as ``bwrap`` with new user, pid, network, ipc, uts, cgroup and mount
namespaces (``--unshare-all``, ``--disable-userns``), a new session,
``--die-with-parent`` and the seccomp filter of :mod:`m1env.sandbox.seccomp`
(``--seccomp FD``; the backend is unavailable where the filter cannot be built).
bwrap's options arrive through a file descriptor (``--args FD``), so its command line,
which the job sees as ``/proc/1/cmdline``, holds only the job's own command.  The root is an empty tmpfs, remounted read-only, holding
read-only binds of ``/usr`` (and the ``/bin``, ``/lib*``, ``/sbin`` links or dirs),
the dynamic-loader config and ``/etc/alternatives``; a fresh ``/proc`` and minimal
``/dev``; a private size-capped ``/tmp``; and the job's own work dir at ``/work`` (a
fresh host dir on ``/dev/shm``, whose pages are charged to the job's memory cgroup,
deleted after the job).  When the worker is root, bwrap itself runs as ``nobody``
(see ``m1env.sandbox._local``).

How a job starts (see ``m1env.sandbox._slots`` and ``m1env.sandbox._spawner``): each concurrency
slot keeps one cgroup with a small spawner process inside; the spawner forks a
standby child ahead of time, which receives the job, applies its rlimits, session
and uid, and execs bwrap -- born in the cgroup, with no fork of the worker and no
cgroup created or joined per job.  When a job's shape (a language's own command, no
caller environment, same limits) repeats on a slot, the next job's bwrap is started
at once with ``--block-fd``: it builds the namespaces and mounts in a fresh, empty
work dir and waits; the next job of that shape writes its files there and unblocks
it (a job of another shape kills it and starts on demand).  Each sandbox runs
exactly one job.  Without writable cgroups the backend starts bwrap through
``preexec_fn`` with rlimits only.

Task environments (:meth:`BwrapBackend.prepare_environment`, built in
``m1env.sandbox.backends._venv``): a venv per content hash on the host, bound read-only
at ``/opt/m1env/venv`` with the tool tree at ``/opt/m1env/runner``; jobs of the task add
them to ``sys.path``.

Protects against:
    * network egress of any kind (loopback Redis/PostgreSQL included): the network
      namespace has only a down ``lo`` unless ``Limits.network`` is true;
    * reading host secrets: the worker's environment is replaced by a fixed one;
      ``/root``, ``/home``, ``/etc`` (shadow, passwd...), ``/var/run/docker.sock`` and
      the worker's files are simply not mounted;
    * writing outside ``/work`` and ``/tmp`` (everything else is read-only or absent);
      state for the next job (work dir, ``/tmp`` and ``/dev/shm`` die with the job);
    * fork bombs and memory bombs: the slot's cgroup, re-limited for each job, with
      ``pids.max`` and a memory limit (v1 or v2, see ``m1env.sandbox.cgroups``), checked to
      hold nothing but the spawner (and the waiting sandbox) before each job; without writable cgroups the backend
      falls back to ``RLIMIT_NPROC`` and ``RLIMIT_AS`` and says so in ``info()``;
    * CPU/wall time, output floods, huge files, fd exhaustion (rlimits + the shared
      engine in ``m1env.sandbox._proc``); the whole tree dies on timeout (SIGKILL to bwrap,
      which takes the pid namespace with it, then a sweep of the cgroup);
    * TIOCSTI terminal injection (new session, stdin/stdout are pipes, no tty, and the
      filter refuses ``TIOCSTI``/``TIOCLINUX``);
    * the seccomp filter's list (EPERM): ``ptrace`` (so a job cannot stop its
      namespace's init), ``process_vm_readv/writev``, the keyring calls (``add_key``,
      ``keyctl``, ``request_key``: keyrings are per uid, not per namespace), sockets
      other than ``AF_UNIX``/``AF_INET``/``AF_INET6`` (netlink, vsock, packet...),
      ``bpf``, ``perf_event_open``, ``userfaultfd``, ``io_uring_*``, ``kexec_*``,
      module loading, ``mount``/``umount2``/``pivot_root``/``unshare``/``setns``, the new
      mount API and namespace flags on ``clone``; foreign syscall ABIs (i386, x32) kill;
    * host paths in what the job reads: its environment is fixed, bwrap's command line
      holds only the job's command, ``/proc/mounts`` names file systems, not host dirs,
      and (root worker) ``/work`` is a tmpfs of its own, so ``mountinfo`` shows ``/``;
    * mount, ptrace of anything outside, setuid: the job has no capabilities at all
      (bounding set empty), no_new_privs is set, setuid-root binaries are not honoured,
      uid 0 is not even mapped; host processes are invisible (own pid namespace);
    * a worker killed mid-run: each spawner sees its socket to the worker close,
      SIGKILLs its job's (or waiting sandbox's) bwrap, whose ``--die-with-parent``
      takes the namespace with it, and exits; stale work dirs and slot cgroups are
      reaped when the next backend starts;
    * zombies: the spawner is a child subreaper (outside the job's uid, in the slot
      cgroup but never killed by the job sweep) and reaps the namespace init that
      bwrap leaves behind (``m1env.sandbox._local.fork_reaper`` does this on the fallback
      path).

Does NOT protect against:
    * what building a task environment runs: pip installs its requirements on the
      worker, outside any sandbox (an sdist's build code runs as the worker), so
      requirements must come from a trusted index or wheel dir (``$M1ENV_SWE_WHEELS``);
      jobs can only read the result (read-only bind), never change it for the next job;
    * losing the slot: a memory bomb that fills the limit with files in its work dir
      can get the spawner OOM-killed too (its score cannot be lowered without CAP_SYS_RESOURCE;
      jobs get oom_score_adj 1000 so they go first): the job's verdict is still
      ``memory`` and the slot is replaced;
    * kernel bugs reachable through the system calls the filter leaves open (file
      systems, futexes, the allowed socket families, ...) -- use a VM when that matters;
    * where the worker cannot mount (not root), ``/proc/self/mountinfo`` shows the work
      dir's path inside its tmpfs (``/m1env-sandbox-<uid>/job-<worker pid>-...``): a bind
      mount's root field names it; as root each work dir is a tmpfs of its own, whose
      root is ``/`` (``m1env.sandbox._local``);
    * side channels and CPU contention with other jobs (no CPU quota, only the job
      cap of ``m1env.sandbox.limiter``);
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
import time
from typing import Any, ClassVar

from m1env.errors import SandboxInternalError

from .. import seccomp
from .._local import (
    LocalWorkdirs,
    drop_ids,
    fork_reaper,
    sandbox_ids,
    scrubbed_env,
    set_pdeathsig,
)
from .._proc import Outcome, execute, job_rlimits, kill_group, set_rlimits, supervise
from .._slots import Slot, SlotPool, make_request
from ..backend import Backend, Step, decide_verdict
from ..cgroups import CgroupManager
from ..contract import ExecResult, Mount
from ..environments import TOOLS_DIR, VENV_MOUNT, EnvironmentSpec, PreparedEnvironment
from ..languages import languages
from ..limiter import JobLimiter

__all__ = ["BwrapBackend"]

_ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives")
_ROOT_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_INSIDE_ID = "65534"
# In a slot's standby (see m1env.sandbox._spawner), the fds after stdin/stdout/stderr:
# bwrap's arguments, the seccomp program, and (started ahead of time) the block pipe.
_ARGS_FD, _SECCOMP_FD, _BLOCK_FD = 3, 4, 5


def _memfd(data: bytes, name: str) -> int:
    """An anonymous file holding ``data``, positioned at its start (close-on-exec: the
    slot or ``pass_fds`` hands it on)."""
    fd = os.memfd_create(name, os.MFD_CLOEXEC)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.lseek(fd, 0, os.SEEK_SET)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _launch_fds(options: list[str], seccomp_fd: int | None = None) -> list[int]:
    """[bwrap's options, the seccomp program] as memfds; with ``seccomp_fd`` given
    (an fd already holding the program) only the options.  Passing the options
    through ``--args FD`` keeps them (host paths among them) out of the command line
    of the namespace's init, which the job can read at ``/proc/1/cmdline``."""
    args = _memfd(b"".join(os.fsencode(a) + b"\0" for a in options), "m1env-bwrap-args")
    if seccomp_fd is not None:
        return [args]
    try:
        return [args, _memfd(seccomp.program(), "m1env-seccomp")]
    except BaseException:
        os.close(args)
        raise


def _bwrap_path() -> str | None:
    return shutil.which("bwrap", path="/usr/bin:/usr/local/bin:/bin")


@functools.lru_cache(maxsize=1)
def _probe() -> tuple[bool, str]:
    exe = _bwrap_path()
    if exe is None:
        return False, "bubblewrap (bwrap) is not installed; run scripts/ci/setup-sandbox.sh"
    ok, filter_why = seccomp.probe()
    if not ok:
        return False, f"bubblewrap is installed, but its jobs' seccomp filter is not: {filter_why}"
    ids = sandbox_ids()
    filt = _memfd(seccomp.program(), "m1env-seccomp")
    options = ["--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
               "--new-session", "--seccomp", str(filt), "--ro-bind", "/", "/", "--proc", "/proc",
               "--dev", "/dev"]  # fmt: skip
    (args,) = _launch_fds(options, filt)
    try:
        proc = subprocess.run(
            [exe, "--args", str(args), "--", "/bin/true"],
            capture_output=True,
            timeout=10,
            env={"PATH": "/usr/bin:/bin"},
            preexec_fn=(lambda: drop_ids(ids)) if ids else None,
            pass_fds=(args, filt),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bwrap cannot start: {exc}"
    finally:
        os.close(args)
        os.close(filt)
    if proc.returncode != 0:
        why = proc.stderr.decode(errors="replace").strip()
        return False, f"bwrap cannot create namespaces here (user namespaces disabled?): {why}"
    return True, f"{exe} creates user/pid/net/ipc/uts/mount namespaces; {filter_why}"


def _preparable(step: Step) -> bool:
    """Only a language's own command with no caller environment is started ahead of
    time: a waiting sandbox then holds nothing the caller gave (a command line or
    environment of the previous job) before the next job exists."""
    if step.env or step.mounts:  # host directories are the caller's too
        return False
    return any(step.argv in (lang.run, lang.compile) for lang in languages().values())


class BwrapBackend(Backend):
    name: ClassVar[str] = "bwrap"

    def __init__(self, limiter: JobLimiter | None = None, workdir_base: str | None = None) -> None:
        super().__init__(limiter)
        self.exe = _bwrap_path() or "bwrap"
        self.workdirs = LocalWorkdirs(workdir_base, own_fs=True)
        self.cgroups, self.cgroup_note = CgroupManager.detect()
        self._slots = (
            SlotPool(self.cgroups, self.workdirs.remove, lambda: self.limiter.max_jobs)
            if self.cgroups is not None
            else None
        )
        if self.cgroups is None:
            self.cgroup_note += (
                "; falling back to RLIMIT_AS (memory) and RLIMIT_NPROC (processes, "
                "counted per host user across jobs)"
            )
        self._mounts = self._system_mounts()
        self._last_key: object = None
        #: Jobs run in a bwrap started ahead of time / started on demand.
        self.starts = {"prepared": 0, "on_demand": 0}

    @classmethod
    def probe(cls) -> tuple[bool, str]:
        return _probe()

    def close(self) -> None:
        if self._slots is not None:
            self._slots.close()

    def prepare_environment(self, spec: EnvironmentSpec) -> PreparedEnvironment:
        """A venv per content hash, and the tools per key, mounted read-only (``_venv``)."""
        from ._venv import ensure_tools, ensure_venv, site_packages

        venv, built = ensure_venv(spec)
        site = site_packages(venv).relative_to(venv).as_posix()
        mounts = {VENV_MOUNT: Mount(str(venv))}
        if spec.tools:
            mounts[TOOLS_DIR] = Mount(str(ensure_tools(spec)))
        return PreparedEnvironment(
            backend=self,
            mounts=mounts,
            site_dirs=(f"{VENV_MOUNT}/{site}",),
            tools_dir=TOOLS_DIR if spec.tools else None,
            bin_dirs=(f"{VENV_MOUNT}/bin",),
            key=venv.name,
            built=built,
        )

    def waiting_workdirs(self) -> set[str]:
        """Empty work dirs of sandboxes prepared ahead of time (no job's files yet)."""
        return self._slots.waiting_workdirs() if self._slots is not None else set()

    def info(self) -> dict[str, Any]:
        ids = self.workdirs.ids
        return {
            **super().info(),
            "bwrap": self.exe,
            "namespaces": ["user", "pid", "net", "ipc", "uts", "cgroup", "mount"],
            "seccomp": seccomp.probe()[1],
            "cgroups": self.cgroup_note,
            "runs_as": f"host uid {ids[0]}" if ids else f"host uid {os.geteuid()}",
            "workdir_base": self.workdirs.base,
            "workdir_fs": "a tmpfs per job"
            if self.workdirs.own_fs
            else "a directory (the job's mountinfo shows its path: the worker cannot mount)",
            "starts": dict(self.starts),
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

    def _options(
        self, step: Step, workdir: str, seccomp_fd: int, block_fd: int | None = None
    ) -> list[str]:
        """bwrap's options (passed through ``--args``, see :func:`_launch_fds`)."""
        limits = step.limits
        args = ["--unshare-all", "--unshare-user", "--disable-userns", "--seccomp", str(seccomp_fd)]
        if block_fd is not None:
            # Started ahead of time: build the sandbox, then wait for the job.
            args += ["--block-fd", str(block_fd)]
        if limits.network:
            args.append("--share-net")
        args += ["--die-with-parent", "--new-session", "--hostname", "sandbox",
                 "--uid", _INSIDE_ID, "--gid", _INSIDE_ID,
                 "--tmpfs", "/", *self._mounts,
                 "--proc", "/proc", "--dev", "/dev",
                 "--size", str(limits.memory_bytes), "--perms", "1777", "--tmpfs", "/tmp",
                 "--bind", workdir, "/work", *self._mount_args(step), "--chdir", "/work",
                 "--remount-ro", "/"]  # fmt: skip
        return args

    def _command(self, args_fd: int, step: Step) -> list[str]:
        """bwrap's command line: the options come from ``args_fd``; what follows is the
        job's own command, all the namespace's init (``/proc/1/cmdline``) shows."""
        return [self.exe, "--args", str(args_fd), "--", *step.argv]

    @staticmethod
    def _mount_args(step: Step) -> list[str]:
        args: list[str] = []
        for inside, mount in sorted(step.mounts.items()):
            if not os.path.isdir(mount.source):
                raise SandboxInternalError(f"mount source {mount.source} is not a directory")
            args += ["--bind" if mount.writable else "--ro-bind", mount.source, inside]
        return args

    def _rlimits(self, step: Step) -> list[tuple[int, int, int]]:
        limits = step.limits
        return job_rlimits(
            cpu_s=limits.cpu_s,
            address_space=None,
            file_size=limits.file_size_bytes,
            open_files=limits.open_files,
            processes=None,
        )

    @staticmethod
    def _shape(step: Step) -> object:
        """What a bwrap started ahead of time must match to run ``step``."""
        return (step.argv, tuple(sorted(step.env.items())), tuple(sorted(step.mounts.items())),
                step.limits, bool(step.stdin))  # fmt: skip

    def _prepare_next(self, slot: Slot, step: Step, key: object) -> None:
        """Ask the slot for its next standby; when this job's shape repeats the last
        job's (on any slot), a bwrap for the same shape is started ahead of time
        (blocked before the command) in a fresh, empty work dir."""
        if slot.broken:
            return
        repeat = self._last_key == key
        self._last_key = key
        if not repeat or not _preparable(step):
            slot.replenish(None)
            return
        workdir = self.workdirs.create_empty()
        options = self._options(step, workdir, _SECCOMP_FD, block_fd=_BLOCK_FD)
        env = scrubbed_env("/work", step.env)
        argv = self._command(_ARGS_FD, step)
        request = make_request(argv, env, "/", self._rlimits(step), self.workdirs.ids)
        try:
            fds = _launch_fds(options)
        except BaseException:
            self.workdirs.remove(workdir)
            raise
        slot.replenish((key, workdir, request, bool(step.stdin), fds))

    def _execute_in_slot(self, slot: Slot, step: Step, key: object) -> tuple[Outcome, str]:
        """Run ``step`` in ``slot``: in its prepared bwrap if that has the step's shape,
        else through its plain standby.  Returns the outcome and the work dir used."""
        limits = step.limits
        prepared = slot.prepared
        if prepared is not None and prepared.key != key:
            slot.discard_prepared()
            slot.replenish(None)
            slot.ready_for(limits.memory_bytes, limits.processes + 3)
            prepared = None
        if prepared is not None:
            workdir = prepared.workdir
            try:
                self.workdirs.fill(workdir, step)
            except BaseException:
                slot.discard_prepared()
                self.workdirs.remove(workdir)
                raise
            start = time.monotonic()
            try:
                child = slot.go()
            except BaseException:
                self.workdirs.remove(workdir)
                raise
            self.starts["prepared"] += 1
        else:
            workdir = self.workdirs.create(step)
            start = time.monotonic()
            try:
                fds = _launch_fds(self._options(step, workdir, _SECCOMP_FD))
                child = slot.spawn(self._command(_ARGS_FD, step),
                                   env=scrubbed_env("/work", step.env), cwd="/",
                                   rlimits=self._rlimits(step), ids=self.workdirs.ids,
                                   with_stdin=bool(step.stdin), extra_fds=fds)  # fmt: skip
            except BaseException:
                self.workdirs.remove(workdir)
                raise
            self.starts["on_demand"] += 1

        def kill(_pid: int) -> None:
            # Everything in the slot's cgroup but the spawner, which reaps what dies.
            slot.job_killed()

        try:
            out = supervise(child, start=start, stdin=step.stdin, wall_s=limits.wall_s,
                            output_bytes=limits.output_bytes, kill=kill)  # fmt: skip
        except BaseException:
            self.workdirs.remove(workdir)
            raise
        return out, workdir

    def _execute_with_rlimits(self, step: Step, workdir: str) -> Outcome:
        """Without writable cgroups: rlimits only, started through ``preexec_fn``."""
        filt = _memfd(seccomp.program(), "m1env-seccomp")
        try:
            (args,) = _launch_fds(self._options(step, workdir, filt), filt)
        except BaseException:
            os.close(filt)
            raise
        try:
            return self._run_with_rlimits(step, self._command(args, step), (args, filt))
        finally:
            os.close(args)
            os.close(filt)

    def _run_with_rlimits(self, step: Step, argv: list[str], fds: tuple[int, ...]) -> Outcome:
        limits = step.limits
        ids = self.workdirs.ids
        # RLIMIT_NPROC counts every process of the host uid, zombies included; where
        # PID 1 reaps orphaned bwrap inits lazily (as on this CI VM) they linger a
        # while, so the fallback leaves generous headroom above the job's own count.
        nproc = (limits.processes + 4) * self.limiter.max_jobs + 256

        def preexec() -> None:
            # The reaper splits off first, with the worker's credentials, so the job
            # cannot touch it.
            set_pdeathsig()
            fork_reaper()
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

        return execute(
            argv,
            cwd="/",
            env=scrubbed_env("/work", step.env),
            stdin=step.stdin,
            wall_s=limits.wall_s,
            output_bytes=limits.output_bytes,
            preexec_fn=preexec,
            kill=kill_group,  # the reaper's group: the reaper and bwrap's monitor
            pass_fds=fds,
        )

    def execute(self, step: Step) -> ExecResult:
        limits = step.limits
        notes: list[str] = []
        workdir = None
        slot: Slot | None = None
        pool = self._slots if self.cgroups is not None else None
        key = self._shape(step)
        try:
            if pool is not None:
                # +3: the spawner, bwrap's monitor and the namespace init count too.
                slot, base = pool.take(limits.memory_bytes, limits.processes + 3)
                out, workdir = self._execute_in_slot(slot, step, key)
                cg = slot.cgroup
                oom = cg.oom_kills() - base.oom_kills
                refused = cg.pids_refused() - base.pids_refused
                peak = cg.peak_bytes()
                if peak is not None:
                    # What the job added: the slot's idle spawner is not the job's.
                    peak = max(0, peak - base.baseline_bytes)
                cpu = cg.cpu_seconds()
                cpu_s = cpu - base.cpu_s if cpu is not None and base.cpu_s is not None else 0.0
                cpu_s = cpu_s or out.cpu_s
            else:
                notes.append(self.cgroup_note)
                workdir = self.workdirs.create(step)
                out = self._execute_with_rlimits(step, workdir)
                oom = refused = 0
                peak = out.maxrss_bytes
                cpu_s = out.cpu_s
            files, collect_notes = self.workdirs.collect(workdir, step)
            notes += collect_notes
        finally:
            if pool is not None and slot is not None:
                try:
                    self._prepare_next(slot, step, key)
                finally:
                    pool.give_back(slot)
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
            rlimit_memory=slot is None,
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
