"""``docker`` backend: one-shot containers from a warm pool, through the docker SDK.

Every step runs in a fresh container that was created and started ahead of time:
``network_mode=none`` (unless ``Limits.network``), read-only root filesystem,
tmpfs ``/work`` and ``/tmp`` (size-capped, charged to the container's memory),
memory limit with no swap, ``pids_limit``, a CPU quota (``cpus``), ``cap_drop=ALL``,
``no-new-privileges``, Docker's default seccomp profile, user ``65534:65534``, and
``auto_remove``.  Its PID 1 is a small runner (``_docker_runner.py``, stdlib only)
waiting on the attached stdin for one job; it runs the job, prints one JSON result
and exits, and the container disappears.  A container never serves two jobs, so no
state can pass between jobs.  The pool keeps ``pool_size`` started containers per
distinct (memory, processes, network) shape (``M1ENV_SANDBOX_DOCKER_POOL``, default:
the job cap); background threads refill it.  The image is ``M1ENV_SANDBOX_IMAGE``
(default ``m1env-sandbox-base``, built by ``scripts/ci/setup-docker.sh``).

Task environments (:meth:`DockerBackend.prepare_environment`, built in
``m1env.sandbox.backends._image``): an image per content hash ``FROM`` this backend's
image, holding the tools, requirements and reference files under ``/opt/m1env``; the
task's jobs run on a backend of that image (one per image, pool of one), in the same
containers as any other job.

Every container carries the labels ``m1env.sandbox=1`` and
``m1env.owner=<host>:<pid>:<instance>``.  When the worker dies, the attach socket closes, the
runner sees EOF (``stdin_once``), kills the job and exits: the container is removed.
A backend that starts removes any labelled container whose owner pid on this host is
gone (e.g. a dockerd restart lost the EOF).

Protects against:
    * network egress (no network interface but ``lo``);
    * reading host secrets: nothing of the host is mounted (no docker socket, no
      /root, no host /etc), the environment is a fixed one;
    * writing outside ``/work`` and ``/tmp``: the image is read-only;
    * fork bombs (``pids_limit``), memory bombs (cgroup memory limit, OOM reported),
      CPU (rlimit + CPU quota) and wall time (the runner kills everything; the host
      kills the container if the runner stops answering), output floods, huge files,
      fd exhaustion (rlimits);
    * mount, ptrace of other processes, setuid: no capabilities, no-new-privileges,
      seccomp; the job cannot tamper with the runner (non-dumpable PID 1);
    * TIOCSTI (no tty); state left for the next job (one container per job);
      a worker killed mid-run (see above).

Does NOT protect against:
    * what building a task environment runs: pip installs its requirements on the
      worker, outside any container (an sdist's build code runs as the worker), so
      requirements must come from a trusted index or wheel dir; ``docker build`` itself
      runs with the network off and only copies files (no ``RUN`` step);
    * kernel and container-runtime escapes (containers share the host kernel; use
      gVisor/Kata as the runtime, or VMs, for hostile tenants);
    * a compromised or misconfigured docker daemon; access to the daemon is full
      root on the host -- only the worker talks to it, never the job;
    * CPU contention and side channels beyond the CPU quota.

Cost: a cold container takes ~0.3-0.4 s to start, so the pool is what keeps latency
low; sustained throughput is bounded by how fast dockerd creates containers. Jobs with
``mounts`` (an agent's workspace) cannot share the pool: after each, one container with
the same mounts is pre-started for the next step (at most 8 such, oldest evicted;
:meth:`DockerBackend.forget_mounts` drops those of a finished episode).
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import secrets
import socket
import struct
import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from m1env import settings
from m1env.errors import SandboxInternalError

from .._proc import owner_gone
from ..backend import MAX_COLLECT_BYTES, Backend, Step, decide_verdict
from ..contract import ExecResult, Limits, Mount
from ..environments import TOOLS_DIR, EnvironmentSpec, PreparedEnvironment, derived_backend
from ..limiter import JobLimiter

__all__ = ["DEFAULT_IMAGE", "DockerBackend"]

log = logging.getLogger(__name__)

DEFAULT_IMAGE = "m1env-sandbox-base"
LABEL = "m1env.sandbox"
OWNER_LABEL = "m1env.owner"
_RUNNER = (Path(__file__).with_name("_docker_runner.py")).read_text()
_RUNNER_PY = "/usr/bin/python3"
# The runner lives in the job's memory cgroup; give it room so the job keeps its limit.
_RUNNER_MEMORY = 24 * 1024 * 1024
_MAX_POOL_SHAPES = 4
# Pre-started containers for jobs with bind mounts (an agent's workspace): one per
# (shape, mounts), started after each such job for the next step of the same episode.
_MAX_MOUNTED = 8
_GRACE_S = 10.0


def _image() -> str:
    return settings.SANDBOX_IMAGE.get() or DEFAULT_IMAGE


def _client(timeout: int = 30) -> Any:
    import docker  # the 'sandbox' extra

    return docker.from_env(timeout=timeout)


def _probe_now(image: str) -> tuple[bool, str]:
    try:
        import docker  # noqa: F401
    except ImportError:
        return False, "the docker SDK is not installed (pip install 'm1env[sandbox]')"
    try:
        client = _client(timeout=5)
        client.ping()
    except Exception as exc:
        return (
            False,
            f"no docker daemon answers ({type(exc).__name__}); run scripts/ci/setup-docker.sh",
        )
    try:
        client.images.get(image)
    except Exception:
        return False, f"image {image!r} is missing; run scripts/ci/setup-docker.sh"
    finally:
        client.close()
    return True, f"docker daemon up, image {image}"


_PROBE_CACHE: dict[str, tuple[float, tuple[bool, str]]] = {}


@dataclass
class _Warm:
    """A started container waiting on its attached stdin for one job."""

    id: str
    sock: Any  # the SDK's attach socket wrapper; .raw is the socket.socket
    raw: socket.socket
    shape: tuple[int, int, bool]


def _shape(limits: Limits) -> tuple[int, int, bool]:
    return (limits.memory_mb, limits.processes, limits.network)


def _read_frames(raw: socket.socket, deadline: float, cap: int) -> tuple[bytes, bytes, bool]:
    """Demultiplex docker's attach stream until the runner's length-prefixed result is
    complete on stdout, or EOF; returns (result body, stderr, finished)."""
    out, err = bytearray(), bytearray()
    buf = bytearray()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return bytes(out), bytes(err), False
        raw.settimeout(remaining)
        try:
            chunk = raw.recv(1 << 16)
        except TimeoutError:
            return bytes(out), bytes(err), False
        if not chunk:
            return bytes(out[8:]), bytes(err), True
        buf += chunk
        while len(buf) >= 8:
            kind, size = buf[0], struct.unpack(">I", buf[4:8])[0]
            if len(buf) < 8 + size:
                break
            payload = bytes(buf[8 : 8 + size])
            del buf[: 8 + size]
            (out if kind == 1 else err).extend(payload)
            if len(out) + len(err) > cap:
                raise SandboxInternalError("the container sent more than the output cap allows")
        if len(out) >= 8 and len(out) >= 8 + struct.unpack(">Q", out[:8])[0]:
            return bytes(out[8:]), bytes(err), True


class DockerBackend(Backend):
    name: ClassVar[str] = "docker"

    def __init__(
        self,
        limiter: JobLimiter | None = None,
        image: str | None = None,
        pool_size: int | None = None,
        cpus: float = 1.0,
    ) -> None:
        self.image = image or _image()
        super().__init__(limiter)
        self.client = _client()
        self.api = self.client.api
        self.cpus = cpus
        if pool_size is None:
            raw = settings.SANDBOX_DOCKER_POOL.get() or ""
            pool_size = int(raw) if raw.isdigit() else self.limiter.max_jobs
        self.pool_size = pool_size
        # host:pid:instance -- the pid lets a later worker reap what a dead one left.
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._pools: OrderedDict[tuple[int, int, bool], deque[_Warm]] = OrderedDict()
        self._lock = threading.Lock()
        self._closed = False
        self._filler = ThreadPoolExecutor(max_workers=2, thread_name_prefix="m1env-docker-pool")
        self._in_flight: Counter[tuple[int, int, bool]] = Counter()
        self._mounted: OrderedDict[tuple[Any, ...], _Warm] = OrderedDict()
        self._mounted_starting: set[tuple[Any, ...]] = set()
        # Sources whose episode ended: a pre-start still in flight for them is dropped.
        self._forgotten: OrderedDict[str, None] = OrderedDict()
        self.reaped = self.reap_stale()

    @classmethod
    def probe(cls) -> tuple[bool, str]:
        image = _image()
        cached = _PROBE_CACHE.get(image)
        if cached and time.monotonic() - cached[0] < 30:
            return cached[1]
        result = _probe_now(image)
        _PROBE_CACHE[image] = (time.monotonic(), result)
        return result

    def info(self) -> dict[str, Any]:
        return {
            **super().info(),
            "image": self.image,
            "pool_size": self.pool_size,
            "cpus_per_job": self.cpus,
            "warm": {str(k): len(v) for k, v in self._pools.items()},
            "isolation": "network none, read-only root, cap_drop ALL, no-new-privileges, "
            "seccomp default, memory/pids/CPU limits, one container per job",
        }

    def prepare_environment(self, spec: EnvironmentSpec) -> PreparedEnvironment:
        """An image per content hash FROM this backend's image (``_image``); its jobs run
        on a backend of that image, one per image with a pool of one (pools are per
        image, and one task's jobs seldom overlap)."""
        from ._image import SITE_DIR, build_image

        tag, built = build_image(spec, self.image)
        backend = derived_backend(
            "docker", tag, lambda: DockerBackend(self.limiter, image=tag, pool_size=1)
        )
        return PreparedEnvironment(
            backend=backend,
            site_dirs=(SITE_DIR,),
            tools_dir=TOOLS_DIR if spec.tools else None,
            key=tag,
            built=built,
        )

    # -- containers --------------------------------------------------------------

    def _start(
        self, shape: tuple[int, int, bool], mounts: Mapping[str, Mount] | None = None
    ) -> _Warm:
        memory_mb, processes, network = shape
        mem = memory_mb * 1024 * 1024 + _RUNNER_MEMORY
        # Bind mounts (a job's persistent workspace) make the container job-specific,
        # so such containers are started for their one job and never pooled.
        binds = [
            f"{m.source}:{inside}:{'rw' if m.writable else 'ro'}"
            for inside, m in sorted((mounts or {}).items())
        ]
        host_config = self.api.create_host_config(
            binds=binds or None,
            network_mode="bridge" if network else "none",
            read_only=True,
            # dockerd (20.10) ignores mode= on tmpfs; uid/gid makes them the job's.
            tmpfs={
                "/work": f"size={memory_mb}m,uid=65534,gid=65534,exec",
                "/tmp": f"size={memory_mb}m,uid=65534,gid=65534",
            },
            mem_limit=mem,
            memswap_limit=mem,
            pids_limit=processes + 1,
            nano_cpus=int(self.cpus * 1e9),
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            shm_size=16 * 1024 * 1024,
            auto_remove=True,
        )
        created = self.api.create_container(
            self.image,
            command=[_RUNNER_PY, "-I", "-S", "-c", _RUNNER],
            user="65534:65534",
            working_dir="/work",
            stdin_open=True,  # with detach=False the SDK also sets StdinOnce
            tty=False,
            labels={LABEL: "1", OWNER_LABEL: self.owner},
            host_config=host_config,
        )
        cid = created["Id"]
        try:
            sock = self.api.attach_socket(
                cid, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}
            )
            raw = getattr(sock, "_sock", sock)
            self.api.start(cid)
        except BaseException:
            self._remove(cid)
            raise
        return _Warm(cid, sock, raw, shape)

    def _remove(self, cid: str) -> None:
        with contextlib.suppress(Exception):
            self.api.remove_container(cid, force=True)

    def _take(self, shape: tuple[int, int, bool]) -> _Warm:
        with self._lock:
            pool = self._pools.get(shape)
            warm = pool.popleft() if pool else None
            if shape in self._pools:
                self._pools.move_to_end(shape)
        self._refill(shape)
        return warm or self._start(shape)

    def _refill(self, shape: tuple[int, int, bool]) -> None:
        with self._lock:
            if self._closed:
                return
            pool = self._pools.setdefault(shape, deque())
            self._pools.move_to_end(shape)
            evicted = []
            while len(self._pools) > _MAX_POOL_SHAPES:
                _, old = self._pools.popitem(last=False)
                evicted += list(old)
            want = max(0, self.pool_size - len(pool) - self._in_flight[shape])
            self._in_flight[shape] += want
        for warm in evicted:
            self._discard(warm)
        for _ in range(want):
            self._filler.submit(self._fill_one, shape)

    def _fill_one(self, shape: tuple[int, int, bool]) -> None:
        try:
            warm = self._start(shape)
        except Exception as exc:
            log.warning("docker sandbox: could not pre-start a container: %s", exc)
            return
        finally:
            with self._lock:
                self._in_flight[shape] -= 1
        with self._lock:
            pool = self._pools.get(shape)
            if not self._closed and pool is not None and len(pool) < self.pool_size:
                pool.append(warm)
                return
        self._discard(warm)

    def _discard(self, warm: _Warm) -> None:
        with contextlib.suppress(Exception):
            warm.sock.close()
        self._remove(warm.id)

    def prewarm(self, limits: Limits | None = None) -> None:
        """Start the pool for ``limits`` now and wait until it is full."""
        shape = _shape(limits or Limits())
        self._refill(shape)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with self._lock:
                if len(self._pools.get(shape, ())) >= self.pool_size:
                    return
            time.sleep(0.02)

    def reap_stale(self) -> int:
        """Remove labelled containers whose owning worker on this host is gone."""
        host = socket.gethostname()
        removed = 0
        for c in self.api.containers(all=True, filters={"label": LABEL}):
            owner = (c.get("Labels") or {}).get(OWNER_LABEL, "").split(":")
            if len(owner) < 2 or owner[0] != host or not owner[1].isdigit():
                continue
            if not owner_gone(int(owner[1])):
                continue
            self._remove(c["Id"])
            removed += 1
        return removed

    def unpooled_containers(self) -> list[str]:
        """This worker's containers that are neither pooled nor starting (for tests)."""
        with self._lock:
            pooled = {w.id for pool in self._pools.values() for w in pool}
            pooled |= {w.id for w in self._mounted.values()}
            starting = any(n > 0 for n in self._in_flight.values()) or bool(self._mounted_starting)
        if starting:
            time.sleep(0.5)
        mine = self.api.containers(all=True, filters={"label": f"{OWNER_LABEL}={self.owner}"})
        return [c["Id"] for c in mine if c["Id"] not in pooled]

    @staticmethod
    def _mount_key(shape: tuple[int, int, bool], mounts: Mapping[str, Mount]) -> tuple[Any, ...]:
        return (shape, tuple(sorted((k, m.source, m.writable) for k, m in mounts.items())))

    def prestart(self, limits: Limits, mounts: Mapping[str, Mount]) -> None:
        """Start, in the background, a container for a coming job with ``mounts``."""
        shape = _shape(limits)
        key = self._mount_key(shape, mounts)
        with self._lock:
            start = not self._closed and key not in self._mounted
            start = start and key not in self._mounted_starting
            if start:
                self._mounted_starting.add(key)
        if start:
            self._filler.submit(self._fill_mounted, key, shape, dict(mounts))

    def _take_mounted(self, shape: tuple[int, int, bool], mounts: Mapping[str, Mount]) -> _Warm:
        """A container with ``mounts``: the one pre-started for them, else a new one;
        then the next one for the same mounts starts in the background."""
        key = self._mount_key(shape, mounts)
        with self._lock:
            warm = self._mounted.pop(key, None)
            refill = not self._closed and key not in self._mounted_starting
            if refill:
                self._mounted_starting.add(key)
        if refill:
            self._filler.submit(self._fill_mounted, key, shape, dict(mounts))
        return warm or self._start(shape, mounts)

    def _fill_mounted(
        self, key: tuple[Any, ...], shape: tuple[int, int, bool], mounts: dict[str, Mount]
    ) -> None:
        try:
            warm: _Warm | None = self._start(shape, mounts)
        except Exception as exc:
            log.warning("docker sandbox: could not pre-start a mounted container: %s", exc)
            warm = None
        evicted: list[_Warm] = []
        with self._lock:
            self._mounted_starting.discard(key)
            stale = any(m[1] in self._forgotten for m in key[1])
            if warm is not None and not self._closed and not stale and key not in self._mounted:
                self._mounted[key] = warm
                warm = None
                while len(self._mounted) > _MAX_MOUNTED:
                    evicted.append(self._mounted.popitem(last=False)[1])
        for old in [*evicted, *([warm] if warm else [])]:
            self._discard(old)

    def forget_mounts(self, source: str) -> None:
        """Discard pre-started containers that bind ``source`` (its episode is over)."""
        with self._lock:
            self._forgotten[source] = None
            while len(self._forgotten) > 1024:
                self._forgotten.popitem(last=False)
            keys = [k for k in self._mounted if any(m[1] == source for m in k[1])]
            gone = [self._mounted.pop(k) for k in keys]
        for warm in gone:
            self._discard(warm)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pools = [w for pool in self._pools.values() for w in pool]
            pools += list(self._mounted.values())
            self._pools.clear()
            self._mounted.clear()
        self._filler.shutdown(wait=True, cancel_futures=True)
        for warm in pools:
            self._discard(warm)
        with self._lock:
            late = [w for pool in self._pools.values() for w in pool]
            late += list(self._mounted.values())
            self._pools.clear()
            self._mounted.clear()
        for warm in late:
            self._discard(warm)
        self.client.close()

    # -- jobs --------------------------------------------------------------------

    def execute(self, step: Step) -> ExecResult:
        limits = step.limits
        job = {
            "argv": list(step.argv),
            "files": {k: base64.b64encode(v).decode() for k, v in step.files.items()},
            "stdin": base64.b64encode(step.stdin).decode(),
            "env": {
                "PATH": "/usr/local/bin:/usr/bin:/bin",
                "HOME": "/work",
                "TMPDIR": "/tmp",
                "LANG": "C.UTF-8",
                "LC_ALL": "C.UTF-8",
                "PYTHONDONTWRITEBYTECODE": "1",
                **step.env,
            },
            "limits": {
                "cpu_s": limits.cpu_s,
                "wall_s": limits.wall_s,
                "output_bytes": limits.output_bytes,
                "file_size_bytes": limits.file_size_bytes,
                "open_files": limits.open_files,
            },
            "collect": list(step.collect),
            "collect_limit": MAX_COLLECT_BYTES,
        }
        payload = json.dumps(job).encode()
        message = struct.pack(">Q", len(payload)) + payload
        shape = _shape(limits)
        warm = self._take_mounted(shape, step.mounts) if step.mounts else self._take(shape)
        out, err, finished = self._exchange(warm, message, limits)
        if finished and not out and not err:
            # Not a byte came back: the pooled container had died while it waited
            # (daemon restart, host OOM), so nothing of the job ran.  Once more, fresh.
            self._remove(warm.id)
            warm = self._start(shape, step.mounts)
            out, err, finished = self._exchange(warm, message, limits)
        if not finished:
            self._remove(warm.id)
            return ExecResult(
                verdict="timeout",
                wall_s=limits.wall_s + _GRACE_S,
                messages=("the container runner did not answer in time; container killed",),
            )
        try:
            res = json.loads(out)
        except ValueError:
            self._remove(warm.id)
            raise SandboxInternalError(
                f"docker runner gave no result: {err.decode(errors='replace')[-500:]}"
            ) from None
        if "runner_error" in res:
            raise SandboxInternalError(f"docker runner failed: {res['runner_error']}")
        if "exec_error" in res:
            return ExecResult(verdict="runtime_error", exit_code=127, stderr=res["exec_error"])
        return self._result(res, limits)

    @staticmethod
    def _exchange(warm: _Warm, message: bytes, limits: Limits) -> tuple[bytes, bytes, bool]:
        try:
            try:
                warm.raw.sendall(message)
            except OSError:
                return b"", b"", True
            deadline = time.monotonic() + limits.wall_s + _GRACE_S
            cap = 4 * (2 * limits.output_bytes + MAX_COLLECT_BYTES)
            return _read_frames(warm.raw, deadline, cap)
        finally:
            with contextlib.suppress(Exception):
                warm.sock.close()

    @staticmethod
    def _result(res: dict[str, Any], limits: Limits) -> ExecResult:
        stderr = base64.b64decode(res["stderr"]).decode("utf-8", "replace")
        notes = list(res["notes"])
        if res["pids_refused"]:
            notes.append(f"process limit reached: {res['pids_refused']} fork(s) refused")
        if res["oom_kills"]:
            notes.append(f"memory limit reached: {res['oom_kills']} process(es) OOM-killed")
        verdict = decide_verdict(
            exit_code=res["exit_code"],
            signal=res["signal"],
            limits=limits,
            timed_out=res["timed_out"],
            output_exceeded=res["output_exceeded"],
            cpu_s=res["cpu_s"],
            oom_kills=res["oom_kills"],
            stderr=stderr,
        )
        return ExecResult(
            verdict=verdict,
            exit_code=res["exit_code"],
            signal=res["signal"],
            stdout=base64.b64decode(res["stdout"]).decode("utf-8", "replace"),
            stderr=stderr,
            stdout_truncated=res["stdout_truncated"],
            stderr_truncated=res["stderr_truncated"],
            cpu_s=res["cpu_s"],
            wall_s=res["wall_s"],
            peak_memory_bytes=res["peak_bytes"] or res["maxrss_bytes"],
            messages=tuple(notes),
            files={k: base64.b64decode(v) for k, v in res["files"].items()},
        )
