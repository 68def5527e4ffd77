"""The seccomp filter every ``bwrap`` job runs under, built with libseccomp.

bubblewrap loads it (``--seccomp FD``) in the job's process just before the job's
command is executed, after bwrap's own setup, so it binds the job and everything the
job starts, and nothing of the sandbox's construction. The program is compiled by
libseccomp (through ``pyseccomp``, its ctypes bindings, API-compatible with the
official ones) for the native architecture only; a system call made through another
ABI (i386 ``int 0x80``, x32) kills the process, which is libseccomp's default for a
foreign architecture.

Every denied call fails with ``EPERM`` (``clone3`` with ``ENOSYS``, see below); all
else is allowed -- the rest of the isolation is namespaces, an empty capability set
and cgroups (see ``m1env.sandbox.backends.bwrap``). Denied:

* other processes' memory and control: ``ptrace``, ``process_vm_readv``,
  ``process_vm_writev`` (a job could otherwise stop its namespace's init);
* the kernel keyring, shared by every process of a uid: ``add_key``, ``keyctl``,
  ``request_key``;
* terminal injection: ``ioctl`` with ``TIOCSTI`` or ``TIOCLINUX`` (compared on the low
  32 bits, as the kernel reads the command);
* sockets of any family but ``AF_UNIX``, ``AF_INET``, ``AF_INET6`` (netlink, vsock,
  packet, bluetooth, ...), for ``socket`` and ``socketpair``;
* rarely needed, often exploited kernel surface: ``bpf``, ``perf_event_open``,
  ``userfaultfd``, ``io_uring_setup``/``_enter``/``_register``, ``kexec_load``,
  ``kexec_file_load``, ``init_module``, ``finit_module``, ``delete_module``;
* changing the sandbox itself: ``mount``, ``umount2``, ``pivot_root``, ``unshare``,
  ``setns``, the new mount API (``fsopen``, ``fsmount``, ``move_mount``,
  ``open_tree``), and ``clone`` with any namespace flag; ``clone3``, whose flags a
  filter cannot read, answers ``ENOSYS`` so that libc falls back to ``clone``.

Not filtered: every other system call, so kernel bugs in (say) the file system,
futex or network paths stay reachable; arguments of allowed calls (a ``socket`` of an
allowed family may still use any protocol).
"""

from __future__ import annotations

import errno
import functools
import socket
import tempfile

from m1env.errors import SandboxInternalError

__all__ = ["DENIED_CALLS", "DENIED_IOCTLS", "DENIED_SOCKET_FAMILIES", "probe", "program"]

#: System calls refused outright (``EPERM``).
DENIED_CALLS = (
    "ptrace", "process_vm_readv", "process_vm_writev",
    "add_key", "keyctl", "request_key",
    "bpf", "perf_event_open", "userfaultfd",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "mount", "umount2", "pivot_root", "unshare", "setns",
    "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree",
)  # fmt: skip
_ALLOWED_FAMILIES = frozenset({socket.AF_UNIX, socket.AF_INET, socket.AF_INET6})
#: Every family below the kernel's AF_MAX that is refused (the kernel refuses the rest).
DENIED_SOCKET_FAMILIES = tuple(f for f in range(64) if f not in _ALLOWED_FAMILIES)
DENIED_IOCTLS = {"TIOCSTI": 0x5412, "TIOCLINUX": 0x541C}
_NAMESPACE_FLAGS = (
    0x00020000,  # CLONE_NEWNS
    0x02000000,  # CLONE_NEWCGROUP
    0x04000000,  # CLONE_NEWUTS
    0x08000000,  # CLONE_NEWIPC
    0x10000000,  # CLONE_NEWUSER
    0x20000000,  # CLONE_NEWPID
    0x40000000,  # CLONE_NEWNET
    0x00000080,  # CLONE_NEWTIME
)
_LOW32 = 0xFFFFFFFF


def _build() -> bytes:
    import pyseccomp as sc

    deny = sc.ERRNO(errno.EPERM)
    filt = sc.SyscallFilter(defaction=sc.ALLOW)
    for name in DENIED_CALLS:
        filt.add_rule(deny, name)
    for name in ("socket", "socketpair"):
        for family in DENIED_SOCKET_FAMILIES:
            filt.add_rule(deny, name, sc.Arg(0, sc.MASKED_EQ, _LOW32, family))
    for request in DENIED_IOCTLS.values():
        filt.add_rule(deny, "ioctl", sc.Arg(1, sc.MASKED_EQ, _LOW32, request))
    for flag in _NAMESPACE_FLAGS:
        filt.add_rule(deny, "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    filt.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    with tempfile.TemporaryFile() as fh:
        filt.export_bpf(fh)
        fh.seek(0)
        return fh.read()


@functools.lru_cache(maxsize=1)
def _compiled() -> tuple[bytes | None, str]:
    try:
        return _build(), "ok"
    except ImportError as exc:
        return None, f"missing Python package {exc.name} (pip install pyseccomp)"
    except (OSError, RuntimeError, ValueError) as exc:
        # pyseccomp raises RuntimeError when libseccomp itself is missing.
        return None, f"libseccomp cannot build the filter ({exc}); apt-get install libseccomp2"


def probe() -> tuple[bool, str]:
    """Whether the filter can be built here, and a sentence saying why (not)."""
    code, why = _compiled()
    if code is None:
        return False, why
    return True, f"libseccomp filter, {len(code) // 8} BPF instructions, denies {_summary()}"


def _summary() -> str:
    return f"{len(DENIED_CALLS)} calls, {len(DENIED_SOCKET_FAMILIES)} socket families, TIOCSTI/TIOCLINUX"


def program() -> bytes:
    """The compiled BPF program (``struct sock_filter`` array) bwrap's ``--seccomp`` reads."""
    code, why = _compiled()
    if code is None:
        raise SandboxInternalError(f"no seccomp filter: {why}")
    return code
