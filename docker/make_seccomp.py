"""Writes docker/seccomp-sandbox.json, the seccomp profile of the sandbox worker container.

Run ``python3 docker/make_seccomp.py`` after editing DENY; tests/compose checks that the
committed JSON is what this script writes.

Why a profile of our own: Docker's default profile refuses ``clone``/``unshare`` with
namespace flags, ``mount``, ``umount2`` and ``pivot_root`` to a container without
CAP_SYS_ADMIN, and bubblewrap needs exactly those to build its user, pid, net, ipc,
uts and mount namespaces. The alternatives are worse: ``privileged: true`` or
CAP_SYS_ADMIN hand the container real host privileges, and ``seccomp=unconfined`` drops
every other denial too. Inside a new user namespace the kernel grants namespace-local
capabilities only, so allowing these calls gives the unprivileged worker (uid m1env, no
capabilities) nothing over the host.

What it keeps refused, to any process of the container and to every sandboxed job under
it (seccomp filters are inherited and cannot be removed): the calls Docker's default
profile refuses to an unprivileged container, listed below with the reason. It is a deny
list (default allow), where Docker's default is an allow list: a syscall newer than this
list is allowed; the kernel's own permission checks still apply to it.
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).with_name("seccomp-sandbox.json")

# name -> why it is refused (the kernel refuses most of them anyway without the capability
# in the initial user namespace; refusing them here shrinks the kernel surface reachable).
DENY: dict[str, str] = {
    "acct": "process accounting (CAP_SYS_PACCT)",
    "add_key": "kernel keyrings are not namespaced",
    "keyctl": "kernel keyrings are not namespaced",
    "request_key": "kernel keyrings are not namespaced",
    "bpf": "eBPF programs and maps",
    "perf_event_open": "performance counters leak host activity",
    "fanotify_init": "filesystem-wide event monitoring",
    "lookup_dcookie": "profiling support (CAP_SYS_ADMIN)",
    "quotactl": "disk quotas (CAP_SYS_ADMIN)",
    "quotactl_fd": "disk quotas (CAP_SYS_ADMIN)",
    "syslog": "kernel log buffer",
    "userfaultfd": "used to win kernel races in exploits",
    "open_by_handle_at": "opens host files by handle, bypassing the mount tree",
    "name_to_handle_at": "pairs with open_by_handle_at",
    "clock_adjtime": "the host clock is not namespaced",
    "clock_settime": "the host clock is not namespaced",
    "settimeofday": "the host clock is not namespaced",
    "stime": "the host clock is not namespaced",
    "create_module": "kernel modules",
    "delete_module": "kernel modules",
    "init_module": "kernel modules",
    "finit_module": "kernel modules",
    "get_kernel_syms": "kernel modules",
    "query_module": "kernel modules",
    "kexec_load": "loads a new kernel",
    "kexec_file_load": "loads a new kernel",
    "reboot": "reboots the host (CAP_SYS_BOOT)",
    "swapon": "host swap",
    "swapoff": "host swap",
    "ioperm": "raw I/O ports",
    "iopl": "raw I/O ports",
    "get_mempolicy": "NUMA policy of the host (CAP_SYS_NICE)",
    "set_mempolicy": "NUMA policy of the host (CAP_SYS_NICE)",
    "mbind": "NUMA policy of the host (CAP_SYS_NICE)",
    "move_pages": "NUMA page moves (CAP_SYS_NICE)",
    "setns": "joining another namespace: bubblewrap creates new ones, never joins",
    "nfsservctl": "obsolete",
    "uselib": "obsolete",
    "ustat": "obsolete",
    "sysfs": "obsolete",
    "_sysctl": "obsolete",
    "vm86": "obsolete",
    "vm86old": "obsolete",
    # The new mount API: bubblewrap uses mount(2); these widen the surface for nothing.
    "fsopen": "new mount API, unused by bubblewrap",
    "fsconfig": "new mount API, unused by bubblewrap",
    "fsmount": "new mount API, unused by bubblewrap",
    "fspick": "new mount API, unused by bubblewrap",
    "move_mount": "new mount API, unused by bubblewrap",
    "open_tree": "new mount API, unused by bubblewrap",
    "mount_setattr": "new mount API, unused by bubblewrap",
    # io_uring has been the source of many kernel exploits; Docker refuses it since 25.0.
    "io_uring_setup": "io_uring: a large, exploit-prone kernel surface",
    "io_uring_enter": "io_uring: a large, exploit-prone kernel surface",
    "io_uring_register": "io_uring: a large, exploit-prone kernel surface",
}

# Every ABI of the machine: a deny list that named only x86_64 would be bypassed through
# the 32-bit entry points (int 0x80).
ARCHITECTURES = [
    "SCMP_ARCH_X86_64",
    "SCMP_ARCH_X86",
    "SCMP_ARCH_X32",
    "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_ARM",
]


def profile() -> dict[str, object]:
    by_reason: dict[str, list[str]] = {}
    for name, why in DENY.items():
        by_reason.setdefault(why, []).append(name)
    return {
        "comment": "m1env sandbox worker: default allow, deny list below; docker/make_seccomp.py"
        " writes this file and says why",
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ARCHITECTURES,
        "syscalls": [
            {"names": sorted(names), "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "comment": why}
            for why, names in by_reason.items()
        ],
    }


def render() -> str:
    return json.dumps(profile(), indent=2) + "\n"


if __name__ == "__main__":
    OUT.write_text(render())
    print(f"wrote {OUT} ({len(DENY)} syscalls refused)")
