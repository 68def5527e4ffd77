"""The bwrap backend's seccomp filter: one attack per denied call, each refused with
EPERM, while what jobs need keeps working.

Each job makes the raw system call (``syscall(2)`` through ctypes, numbers resolved
by libseccomp for this machine) with arguments under which, unfiltered, the call
would succeed or fail differently (``ptrace(PTRACE_TRACEME)``, ``unshare(0)`` and
``socket(AF_NETLINK)`` succeed; ``setns(-1)`` is EBADF; ``TIOCSTI`` on a pipe is
ENOTTY), so the EPERM is the filter's. The exceptions: without capabilities the mount
calls and ``AF_PACKET`` are EPERM anyway; the filter keeps their kernel code out of
reach all the same.
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Iterator

import pyseccomp
import pytest

from m1env import sandbox
from m1env.sandbox import seccomp
from m1env.sandbox.backend import Backend
from m1env.sandbox.backends.bwrap import BwrapBackend

from .conftest import make_backend

_PROGRAM = """
import ctypes, json, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
nr, args = json.loads(input())
args = [os.getpid() if a == "SELF" else a for a in args]
conv = [a.encode() if isinstance(a, str) else ctypes.c_long(a) for a in args]
ctypes.set_errno(0)
rc = libc.syscall(ctypes.c_long(nr), *conv)
print(json.dumps([rc, ctypes.get_errno()]))
"""

_AT_FDCWD = -100
#: One call per denied system call, with arguments that succeed (or fail otherwise)
#: when unfiltered.
ATTACKS: dict[str, list[object]] = {
    "ptrace": [0, 0, 0, 0],  # PTRACE_TRACEME
    "process_vm_readv": ["SELF", 0, 0, 0, 0, 0],  # SELF: the job's own pid
    "process_vm_writev": ["SELF", 0, 0, 0, 0, 0],
    "add_key": ["user", "k", "v", 1, -2],  # into KEY_SPEC_PROCESS_KEYRING
    "keyctl": [0, -3, 1],  # KEYCTL_GET_KEYRING_ID of the session keyring, create
    "request_key": ["user", "k", 0, 0],
    "bpf": [0, 0, 0],
    "perf_event_open": [0, 0, -1, -1, 0],
    "userfaultfd": [0],
    "io_uring_setup": [1, 0],
    "io_uring_enter": [-1, 0, 0, 0, 0, 0],
    "io_uring_register": [-1, 0, 0, 0],
    "kexec_load": [0, 0, 0, 0],
    "kexec_file_load": [-1, -1, 0, 0, 0],
    "init_module": [0, 0, ""],
    "finit_module": [-1, "", 0],
    "delete_module": ["x", 0],
    "mount": ["none", "/tmp", "tmpfs", 0, 0],
    "umount2": ["/tmp", 0],
    "pivot_root": ["/work", "/work"],
    "unshare": [0],
    "setns": [-1, 0],
    "fsopen": ["tmpfs", 0],
    "fsconfig": [-1, 0, 0, 0, 0],
    "fsmount": [-1, 0, 0],
    "fspick": [_AT_FDCWD, "/", 0],
    "move_mount": [-1, "", -1, "", 0],
    "open_tree": [_AT_FDCWD, "/work", 0],
}
_SOCK_STREAM, _SOCK_DGRAM, _SOCK_RAW = 1, 2, 3
FAMILIES = {
    "AF_NETLINK": [16, _SOCK_RAW, 0],
    "AF_VSOCK": [40, _SOCK_STREAM, 0],
    "AF_PACKET": [17, _SOCK_DGRAM, 0],
    "AF_ALG": [38, 5, 0],
    "AF_BLUETOOTH": [31, _SOCK_STREAM, 0],
    "AF_NETLINK with high bits": [(1 << 32) | 16, _SOCK_RAW, 0],
}


@pytest.fixture(scope="module", params=["slots", "rlimits"])
def bwrap(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """The shared bwrap backend (jobs start in slot cgroups where they are writable),
    and one on the rlimits-only path, where jobs start through ``preexec_fn``."""
    if request.param == "slots":
        yield make_backend("bwrap")
        return
    make_backend("bwrap")  # skips where bwrap cannot run
    backend = BwrapBackend()
    backend.close()
    backend.cgroups = None
    backend.cgroup_note = "cgroups disabled for this test"
    yield backend


def _call(backend: Backend, name: str, args: list[object]) -> tuple[int, int]:
    nr = pyseccomp.resolve_syscall(pyseccomp.Arch.NATIVE, name)
    request = sandbox.ExecRequest(
        language="python3",
        source=_PROGRAM,
        stdin=json.dumps([nr, args]) + "\n",
        limits=sandbox.Limits(wall_s=10),
    )
    result = backend.run(request)
    assert result.verdict == "ok", (result.verdict, result.stderr[-500:])
    rc, err = json.loads(result.stdout)
    return rc, err


def test_every_denied_call_has_an_attack() -> None:
    assert set(ATTACKS) == set(seccomp.DENIED_CALLS)


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_denied_call_gets_eperm(bwrap: Backend, name: str) -> None:
    assert _call(bwrap, name, ATTACKS[name]) == (-1, errno.EPERM)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_denied_socket_family_gets_eperm(bwrap: Backend, family: str) -> None:
    assert _call(bwrap, "socket", FAMILIES[family]) == (-1, errno.EPERM)


def test_socketpair_of_a_denied_family_gets_eperm(bwrap: Backend) -> None:
    assert _call(bwrap, "socketpair", [16, _SOCK_RAW, 0, 0]) == (-1, errno.EPERM)


@pytest.mark.parametrize("request_name", sorted(seccomp.DENIED_IOCTLS))
@pytest.mark.parametrize("high_bits", [0, 1 << 32])
def test_terminal_injection_ioctls_get_eperm(
    bwrap: Backend, request_name: str, high_bits: int
) -> None:
    # On stdin, a pipe: unfiltered, ENOTTY.
    request = high_bits | seccomp.DENIED_IOCTLS[request_name]
    assert _call(bwrap, "ioctl", [0, request, "x"]) == (-1, errno.EPERM)


def test_namespace_clone_gets_eperm_and_clone3_enosys(bwrap: Backend) -> None:
    clone_newuser = 0x10000000
    assert _call(bwrap, "clone", [clone_newuser, 0, 0, 0, 0]) == (-1, errno.EPERM)
    assert _call(bwrap, "clone3", [0, 0]) == (-1, errno.ENOSYS)


def test_allowed_families_and_the_filter_is_on(bwrap: Backend) -> None:
    src = (
        "import socket\n"
        "for fam in (socket.AF_UNIX, socket.AF_INET, socket.AF_INET6):\n"
        "    socket.socket(fam, socket.SOCK_STREAM).close()\n"
        "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('Seccomp:')])\n"
        "import subprocess; print(subprocess.run(['true']).returncode)\n"
    )
    result = bwrap.run(sandbox.ExecRequest(language="python3", source=src))
    assert result.verdict == "ok", result.stderr
    assert result.stdout.split() == ["['2']", "0"]  # 2: SECCOMP_MODE_FILTER


def test_no_host_path_in_what_the_job_reads(bwrap: Backend) -> None:
    """The namespace's init shows only the job's command; bwrap's options (the host's
    work-dir path among them) went through a file descriptor; as root, ``/work`` is a
    tmpfs of its own, so ``mountinfo`` names no host directory for it either."""
    workdirs = bwrap.workdirs  # type: ignore[attr-defined]
    base = workdirs.base
    src = (
        "import os\n"
        "print(open('/proc/1/cmdline', 'rb').read().replace(b'\\0', b' ').decode())\n"
        "print(open('/proc/self/cmdline', 'rb').read().replace(b'\\0', b' ').decode())\n"
        "print(dict(os.environ)); print(open('/proc/mounts').read())\n"
        "print(sorted(os.listdir('/proc/1/fd')) if os.access('/proc/1/fd', os.R_OK) else [])\n"
        "print([l for l in open('/proc/self/mountinfo') if ' /work ' in l])\n"
    )
    for _ in range(3):  # on demand, then started ahead of time
        result = bwrap.run(sandbox.ExecRequest(language="python3", source=src))
        assert result.verdict == "ok", result.stderr
        assert base not in result.stdout and "/dev/shm" not in result.stdout
        if os.geteuid() == 0:
            assert workdirs.own_fs and "job-" not in result.stdout
            assert " / /work " in result.stdout.splitlines()[-1]
        init, own = result.stdout.splitlines()[:2]
        assert init.split()[1] == "--args" and init.split()[2].isdigit()
        assert init.endswith(f" -- {own}")
