"""In-container job runner of the docker backend (stdlib only; runs as the container's PID 1).

The host starts a container whose command is this file's source (``python3 -I -S -c``)
and keeps its stdin/stdout attached.  The runner makes itself non-dumpable (so the
job, which has the same uid, cannot ptrace it or open ``/proc/1/fd``), reads one job
(8-byte big-endian length + JSON) from stdin, writes the files into ``/work``, runs
the command with rlimits in a new session, enforces the wall deadline and the output
cap, then kills every other process in the container (``kill(-1)`` from PID 1),
collects the requested files without following links, reads the container cgroup's
OOM / CPU / peak-memory counters, prints one length-prefixed JSON result on stdout and exits -- the
container is removed.  EOF on stdin (the worker died) aborts the job the same way.
"""

import base64
import contextlib
import json
import os
import resource
import selectors
import signal
import stat
import struct
import subprocess
import time

CHUNK = 1 << 16
CG = "/sys/fs/cgroup"


def read_exact(fd, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = os.read(fd, n - len(buf))
        if not chunk:
            raise EOFError("stdin closed before the whole job arrived")
        buf += chunk
    return bytes(buf)


def cg_int(path, key=None):
    try:
        with open(os.path.join(CG, path)) as fh:
            text = fh.read()
    except OSError:
        return None
    if key is None:
        try:
            return int(text.strip())
        except ValueError:
            return None
    for line in text.splitlines():
        k, _, v = line.partition(" ")
        if k == key:
            return int(v)
    return None


def write_files(files):
    for rel, b64 in files.items():
        parts = rel.split("/")
        if any(p in ("", ".", "..") for p in parts):
            raise ValueError("unsafe path " + rel)
        d = "/work"
        for p in parts[:-1]:
            d = os.path.join(d, p)
            if not os.path.isdir(d) or os.path.islink(d):
                os.mkdir(d, 0o755)
        data = base64.b64decode(b64)
        mode = 0o755 if data[:2] == b"#!" or data[:4] == b"\x7fELF" else 0o644
        fd = os.open(
            os.path.join(d, parts[-1]), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode
        )
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)


def read_back(rel, limit):
    fds = [os.open("/work", os.O_RDONLY | os.O_DIRECTORY)]
    try:
        parts = rel.split("/")
        for p in parts[:-1]:
            fds.append(os.open(p, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fds[-1]))
        fds.append(os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fds[-1]))
        st = os.fstat(fds[-1])
        if not stat.S_ISREG(st.st_mode):
            raise OSError("not a regular file")
        if st.st_size > limit:
            raise OSError(f"larger than {limit} bytes")
        return os.read(fds[-1], limit + 1)[:limit]
    finally:
        for fd in reversed(fds):
            os.close(fd)


def kill_others():
    with contextlib.suppress(ProcessLookupError):
        os.kill(-1, signal.SIGKILL)


def run(job):
    lim = job["limits"]
    write_files(job["files"])
    cpu0 = cg_int("cpuacct/cpuacct.usage") or 0
    cpu_lim = max(1, int(lim["cpu_s"] + 0.999))

    def preexec():
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_lim, cpu_lim + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (lim["file_size_bytes"],) * 2)
        resource.setrlimit(resource.RLIMIT_NOFILE, (lim["open_files"],) * 2)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    stdin = base64.b64decode(job["stdin"])
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            job["argv"],
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd="/work",
            env=job["env"],
            start_new_session=True,
            preexec_fn=preexec,
            close_fds=True,
        )
    except OSError as exc:
        return {"exec_error": f"{job['argv'][0]}: {exc.strerror}"}
    assert proc.stdout is not None and proc.stderr is not None
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    bufs: dict[int, list[bytes]] = {out_fd: [], err_fd: []}
    sizes = {out_fd: 0, err_fd: 0}
    trunc = {out_fd: False, err_fd: False}
    sel = selectors.DefaultSelector()
    pidfd = os.pidfd_open(proc.pid)
    sel.register(pidfd, selectors.EVENT_READ)
    sel.register(0, selectors.EVENT_READ)
    for fd in bufs:
        sel.register(fd, selectors.EVENT_READ)
    pending = memoryview(stdin)
    in_fd = proc.stdin.fileno() if proc.stdin else -1
    if in_fd >= 0:
        os.set_blocking(in_fd, False)
        sel.register(in_fd, selectors.EVENT_WRITE)
    deadline = start + lim["wall_s"]
    timed_out = exceeded = exited = killed = aborted = False
    open_pipes = 2
    while open_pipes or not exited:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            if killed:
                break
            timed_out = killed = True
            kill_others()
            deadline = time.monotonic() + 2.0
            continue
        for key, _ in sel.select(remaining):
            fd = key.fd
            if fd == 0:
                if not os.read(0, 4096):
                    aborted = killed = True
                    kill_others()
                    sel.unregister(0)
            elif fd == pidfd:
                exited = True
                sel.unregister(pidfd)
                if open_pipes and not killed:
                    killed = True
                    kill_others()
            elif fd == in_fd:
                try:
                    pending = pending[os.write(fd, pending[:CHUNK]) :]
                except BlockingIOError:
                    pass
                except OSError:
                    pending = pending[:0]
                if not pending and proc.stdin is not None:
                    sel.unregister(fd)
                    proc.stdin.close()
            else:
                chunk = os.read(fd, CHUNK)
                if not chunk:
                    sel.unregister(fd)
                    open_pipes -= 1
                    continue
                room = lim["output_bytes"] - sizes[fd]
                if len(chunk) > room:
                    chunk = chunk[: max(room, 0)]
                    trunc[fd] = True
                    if not killed:
                        exceeded = killed = True
                        kill_others()
                bufs[fd].append(chunk)
                sizes[fd] += len(chunk)
    kill_others()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                time.sleep(0.001)
        except ChildProcessError:
            break
    code = os.waitstatus_to_exitcode(status)
    files, notes = {}, []
    for rel in job["collect"]:
        try:
            files[rel] = base64.b64encode(read_back(rel, job["collect_limit"])).decode()
        except OSError as exc:
            notes.append(f"not collected: {rel!r}: {exc.strerror or exc}")
    cpu1 = cg_int("cpuacct/cpuacct.usage")
    return {
        "exit_code": code if code >= 0 else None,
        "signal": -code if code < 0 else None,
        "stdout": base64.b64encode(b"".join(bufs[out_fd])).decode(),
        "stderr": base64.b64encode(b"".join(bufs[err_fd])).decode(),
        "stdout_truncated": trunc[out_fd],
        "stderr_truncated": trunc[err_fd],
        "timed_out": timed_out,
        "output_exceeded": exceeded,
        "aborted": aborted,
        "wall_s": wall,
        "cpu_s": (cpu1 - cpu0) / 1e9 if cpu1 else usage.ru_utime + usage.ru_stime,
        "maxrss_bytes": usage.ru_maxrss * 1024,
        "peak_bytes": cg_int("memory/memory.max_usage_in_bytes") or cg_int("memory.peak"),
        "oom_kills": cg_int("memory/memory.oom_control", "oom_kill")
        or cg_int("memory.events", "oom_kill")
        or 0,
        "pids_refused": cg_int("pids/pids.events", "max") or cg_int("pids.events", "max") or 0,
        "notes": notes,
        "files": files,
    }


def main():
    import ctypes

    # Not dumpable: the job (same uid) can neither ptrace us nor open /proc/1/fd/*.
    ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)
    try:
        (size,) = struct.unpack(">Q", read_exact(0, 8))
        job = json.loads(read_exact(0, size))
        result = run(job)
    except EOFError:
        kill_others()
        return
    except Exception as exc:  # reported to the host as sandbox_error
        result = {"runner_error": f"{type(exc).__name__}: {exc}"}
    body = json.dumps(result).encode()
    # Length-prefixed, so the host need not wait for the container to exit.
    data = memoryview(struct.pack(">Q", len(body)) + body)
    while data:
        data = data[os.write(1, data) :]


main()
