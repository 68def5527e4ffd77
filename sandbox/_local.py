"""Shared host side of the ``process`` and ``bwrap`` backends.

Each step gets a fresh work dir ``<base>/job-<worker pid>-<n>-<random>`` where the
request's files are written (never following links), the program runs, the
``collect`` files are read back with ``O_NOFOLLOW``, and which is then deleted.
``<base>`` is ``$M1ENV_SANDBOX_TMP`` or ``/dev/shm/m1env-sandbox`` (tmpfs: the pages
a job writes there are charged to its memory cgroup, so "fill the disk" is bounded
by the memory limit as well as by the per-file size limit), else the system temp dir.

When the worker runs as root, jobs run as an unprivileged user
(``$M1ENV_SANDBOX_UID``, default 65534 "nobody") that owns only its work dir.
Work dirs left by a dead worker are removed when a backend starts.

With ``own_fs`` (the bwrap backend) and where the worker may mount (root), each work
dir is a tmpfs of its own, so the job's ``/proc/self/mountinfo`` shows ``/`` as the
root of its ``/work``, not the host path of a directory; elsewhere it is a plain
directory and :attr:`LocalWorkdirs.own_fs` says so.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import secrets
import shutil
import signal
import tempfile
from collections.abc import Mapping
from typing import Any

from m1env import settings
from m1env.errors import SandboxConfigError, SandboxInternalError

from ._proc import SPAWN_LOCK, owner_gone
from .backend import MAX_COLLECT_BYTES, Step
from .paths import read_back, write_tree

__all__ = ["LocalWorkdirs", "fork_reaper", "sandbox_ids", "scrubbed_env", "set_pdeathsig"]

_counter = itertools.count()
_MS_NOSUID, _MS_NODEV, _MS_PRIVATE, _MNT_DETACH = 0x2, 0x4, 1 << 18, 0x2
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_prctl: Any
_close_range: Any
try:
    _libc = ctypes.CDLL(None, use_errno=True)
    _prctl = _libc.prctl
    _close_range = getattr(_libc, "close_range", None)
except (OSError, AttributeError):  # pragma: no cover - non-glibc hosts
    _prctl = _close_range = None


def fork_reaper() -> None:
    """In a child before exec: fork; the new child returns (and goes on to exec), this
    process stays behind as a child subreaper, reaps every descendant that is orphaned
    to it, and exits with the exec'd child's status (128+N for signal N).

    Used in front of bubblewrap, whose monitor exits without reaping the namespace's
    init: without a subreaper that init becomes a zombie of host PID 1, which on some
    hosts (this CI VM) reaps lazily, so zombies of the job user pile up, eat its
    RLIMIT_NPROC and pid space.
    """
    if _prctl is None:
        return
    _prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    child = os.fork()
    if child == 0:
        set_pdeathsig()
        return
    # The reaper holds none of the job's pipes (the host waits for their EOF) and none
    # of Popen's fds (its error pipe must close when the real child execs).  Close
    # first: RLIMIT_NOFILE is already the job's, lower than the worker's fd numbers.
    if _close_range is not None:
        _close_range(3, 0xFFFFFFFF, 0)
    else:  # pragma: no cover - glibc < 2.34
        for name in os.listdir("/proc/self/fd"):
            if int(name) > 2:
                with contextlib.suppress(OSError):
                    os.close(int(name))
    null = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    code = 1
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if pid == child:
            code = os.waitstatus_to_exitcode(status)
            code = code if code >= 0 else 128 - code
    os._exit(code)


def set_pdeathsig() -> None:
    """In a child: die with SIGKILL when the parent thread that forked it dies."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def sandbox_ids() -> tuple[int, int] | None:
    """(uid, gid) jobs run as when the worker is root; None when not root."""
    if os.geteuid() != 0:
        return None
    raw = settings.SANDBOX_UID.get() or "65534"
    try:
        uid = int(raw)
    except ValueError:
        raise SandboxConfigError(f"M1ENV_SANDBOX_UID must be a number, got {raw!r}") from None
    if uid <= 0:
        raise SandboxConfigError("M1ENV_SANDBOX_UID must not be root (0)")
    return uid, uid


def drop_ids(ids: tuple[int, int] | None) -> None:
    """In a child before exec: become the job's ``(uid, gid)`` with no supplementary
    groups (nothing when ``ids`` is None: the worker is not root)."""
    if ids:
        os.setgroups([])
        os.setgid(ids[1])
        os.setuid(ids[0])


def scrubbed_env(home: str, extra: Mapping[str, str]) -> dict[str, str]:
    """The only environment a job sees: nothing of the worker's leaks in."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.update(extra)
    return env


def _default_base() -> str:
    configured = settings.SANDBOX_TMP.get()
    if configured:
        return configured
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK):
        return os.path.join(shm, f"m1env-sandbox-{os.geteuid()}")
    return os.path.join(tempfile.gettempdir(), f"m1env-sandbox-{os.geteuid()}")


def _rmtree(path: str) -> None:
    def fix(_func: object, p: str, _exc: object) -> None:
        # A job may leave dirs without write/exec permission (only matters when the
        # worker is not root); restore them and retry.
        os.chmod(os.path.dirname(p), 0o700)
        if os.path.isdir(p) and not os.path.islink(p):
            os.chmod(p, 0o700)
            shutil.rmtree(p, ignore_errors=True)
        elif os.path.lexists(p):
            os.unlink(p)

    if os.path.lexists(path):
        shutil.rmtree(path, onerror=fix)


def _mount_tmpfs(path: str, ids: tuple[int, int] | None) -> None:
    """A fresh tmpfs on ``path``, owned by the job user, propagating nothing."""
    owner = f",uid={ids[0]},gid={ids[1]}" if ids else ""
    options = f"mode=0700{owner}".encode()
    if _libc.mount(b"tmpfs", os.fsencode(path), b"tmpfs", _MS_NOSUID | _MS_NODEV, options):
        err = ctypes.get_errno()
        raise OSError(err, f"mount tmpfs on {path}: {os.strerror(err)}")
    if _libc.mount(None, os.fsencode(path), None, _MS_PRIVATE, None):
        err = ctypes.get_errno()
        _unmount(path)
        raise OSError(err, f"make {path} private: {os.strerror(err)}")


def _unmount(path: str) -> None:
    _libc.umount2(os.fsencode(path), _MNT_DETACH)


class LocalWorkdirs:
    """Creates, fills, collects and removes per-step work dirs on the host."""

    def __init__(self, base: str | None = None, *, own_fs: bool = False) -> None:
        self.base = base or _default_base()
        self.ids = sandbox_ids()
        os.makedirs(self.base, mode=0o711, exist_ok=True)
        st = os.lstat(self.base)
        if st.st_uid != os.geteuid() or os.path.islink(self.base):
            raise SandboxInternalError(f"{self.base} is not a directory owned by this user")
        os.chmod(self.base, 0o711)
        #: Whether each work dir is a tmpfs of its own (see the module docstring).
        self.own_fs = False
        self.reap_stale()
        self.own_fs = own_fs and self._can_mount()

    def _can_mount(self) -> bool:
        if _prctl is None:  # no libc to call mount(2) with
            return False
        probe = tempfile.mkdtemp(prefix="mount-probe-", dir=self.base)
        try:
            _mount_tmpfs(probe, self.ids)
        except OSError:
            return False
        else:
            _unmount(probe)
            return True
        finally:
            os.rmdir(probe)

    def reap_stale(self) -> int:
        removed = 0
        for name in os.listdir(self.base):
            parts = name.split("-")
            if len(parts) < 3 or parts[0] != "job" or not parts[1].isdigit():
                continue
            if not owner_gone(int(parts[1])):
                continue
            self.remove(os.path.join(self.base, name))
            removed += 1
        for name in os.listdir(self.base):  # a probe of a worker killed mid-probe
            if name.startswith("mount-probe-"):
                self.remove(os.path.join(self.base, name))
        return removed

    def create(self, step: Step) -> str:
        path = self.create_empty()
        try:
            self.fill(path, step)
        except BaseException:
            _rmtree(path)
            raise
        return path

    def create_empty(self) -> str:
        """A fresh, empty work dir owned by the job user."""
        name = f"job-{os.getpid()}-{next(_counter)}-{secrets.token_hex(4)}"
        path = os.path.join(self.base, name)
        os.mkdir(path, 0o700)
        try:
            if self.ids:
                os.chown(path, *self.ids)
            if self.own_fs:
                _mount_tmpfs(path, self.ids)
        except BaseException:
            self.remove(path)
            raise
        return path

    def fill(self, path: str, step: Step) -> None:
        """Write the step's files into the (empty) work dir ``path``."""
        with SPAWN_LOCK:
            write_tree(path, step.files, self.ids)

    @staticmethod
    def collect(path: str, step: Step) -> tuple[dict[str, bytes], list[str]]:
        files: dict[str, bytes] = {}
        notes: list[str] = []
        for rel in step.collect:
            try:
                files[rel] = read_back(path, rel, MAX_COLLECT_BYTES)
            except SandboxInternalError as exc:
                notes.append(f"not collected: {exc}")
        return files, notes

    @staticmethod
    def remove(path: str) -> None:
        if os.path.ismount(path):
            _unmount(path)  # frees the job's files at once
        _rmtree(path)
