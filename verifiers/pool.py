"""Killable worker processes: time limits enforced at a process boundary.

Parsing and symbolic maths on untrusted text can take unbounded time (``9^{9^{9^9}}``)
or memory. ``signal.alarm`` cannot interrupt C code, only works in the main thread and
breaks under asyncio and Celery, so every isolated verification runs in a worker
process that the caller kills when the limit passes. A killed worker is replaced on
the next call; the caller gets :class:`TimeLimitExceeded` and carries on.

Workers come from a ``forkserver`` (fast to respawn, safe to use from threads), run
with an address-space limit, exit by themselves when their parent goes away (their
pipe reaches EOF), and are recycled after ``max_calls`` calls so caches cannot grow
without bound. ``WorkerPool.call`` blocks while every worker is busy, which gives a
burst of callers back-pressure instead of overcommitting the machine.

Workers do not re-import the caller's main script, as ``multiprocessing`` children
otherwise do: a script without an ``if __name__ == "__main__":`` guard would run again
in every worker (and start pools of its own there). Only when a call's function or
one of its arguments is defined in ``__main__`` (a verifier class written in the
script itself) do the pool's later workers import it, since they need it to unpickle
the call; such a script needs the guard, as with any ``multiprocessing`` code.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import multiprocessing as mp
import multiprocessing.spawn
import os
import queue
import threading
import traceback
import weakref
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection
from typing import Any

from m1env import settings
from m1env.errors import RemoteError, TimeLimitExceeded, WorkerCrashed

__all__ = ["WorkerPool", "default_pool", "set_default_pool"]

_CONTEXT: Any = mp.get_context(
    "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
)


_MAIN_KEYS = ("init_main_from_path", "init_main_from_name")
_skip_main = threading.local()


def _install_preparation_hook() -> None:
    """Let this thread start a worker without the main-script keys in its
    preparation data; other threads' processes are left exactly as they were."""
    original = multiprocessing.spawn.get_preparation_data
    if getattr(original, "_m1env_hook", False):
        return

    def get_preparation_data(name: str) -> dict[str, Any]:
        data: dict[str, Any] = original(name)
        if getattr(_skip_main, "on", False):
            for key in _MAIN_KEYS:
                data.pop(key, None)
        return data

    get_preparation_data._m1env_hook = True  # type: ignore[attr-defined]
    multiprocessing.spawn.get_preparation_data = get_preparation_data


def _from_main(fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether unpickling this call in a worker needs the caller's ``__main__``."""
    objects = (fn, *args, *kwargs.values())
    return any(
        getattr(obj, "__module__", None) == "__main__" or type(obj).__module__ == "__main__"
        for obj in objects
    )


def _limit_resources(memory_limit_mb: int | None) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if memory_limit_mb:
        limit = memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _worker_main(conn: Connection, memory_limit_mb: int | None) -> None:
    _limit_resources(memory_limit_mb)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if message is None:
            return
        fn, args, kwargs = message
        try:
            reply: tuple[Any, ...] = ("ok", fn(*args, **kwargs))
        except BaseException as exc:  # the caller turns it into RemoteError
            reply = ("exc", type(exc).__name__, str(exc)[:2000], traceback.format_exc()[-4000:])
        try:
            conn.send(reply)
        except (BrokenPipeError, ConnectionResetError):
            return  # the caller is gone (killed, or it gave up on this call)
        except Exception as exc:  # an unpicklable result must not kill the worker
            conn.send(("exc", type(exc).__name__, f"result could not be sent: {exc}", ""))


class _Worker:
    def __init__(self, memory_limit_mb: int | None, with_main: bool = False) -> None:
        self.with_main = with_main
        parent, child = _CONTEXT.Pipe(duplex=True)
        # daemon: at interpreter exit multiprocessing terminates daemonic children; it
        # would otherwise join these workers, which wait on a pipe the exiting parent
        # still holds open -- a hang at exit for any script using the default pool.
        self.process = _CONTEXT.Process(
            target=_worker_main,
            args=(child, memory_limit_mb),
            name="m1env-verifier-worker",
            # Daemonic: the interpreter's exit does not wait on idle workers blocked in recv.
            daemon=True,
        )
        _install_preparation_hook()
        _skip_main.on = not with_main
        try:
            self.process.start()
        finally:
            _skip_main.on = False
        child.close()
        self.conn = parent
        self.calls = 0

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(timeout=2)
        if self.process.is_alive():
            self.kill()
        else:
            self.conn.close()


class WorkerPool:
    """Up to ``size`` worker processes, each running one call at a time.

    ``call`` is thread-safe. A worker that times out or dies is discarded and
    replaced lazily, so a single bad input costs one respawn, not the pool.
    """

    def __init__(
        self,
        size: int = 1,
        *,
        memory_limit_mb: int | None = 4096,
        max_calls: int = 2000,
        preload: Iterable[str] = (),
    ) -> None:
        if size < 1:
            raise ValueError(f"size must be at least 1, got {size}")
        if memory_limit_mb is not None and memory_limit_mb < 64:
            raise ValueError(f"memory_limit_mb must be at least 64, got {memory_limit_mb}")
        self.size = size
        self.memory_limit_mb = memory_limit_mb
        self.max_calls = max_calls
        self._slots = threading.BoundedSemaphore(size)
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._closed = False
        self._pid = os.getpid()
        self._with_main = False
        _live_pools.add(self)
        modules = sorted({"m1env.verifiers", *preload})
        if _CONTEXT.get_start_method() == "forkserver":
            # Only effective before the fork server starts; later pools share it.
            _CONTEXT.set_forkserver_preload(modules)

    def _take(self) -> _Worker:
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return _Worker(self.memory_limit_mb, self._with_main)
            if worker.with_main or not self._with_main:
                return worker
            worker.stop()  # started before the pool needed __main__

    def call(self, fn: Callable[..., Any], /, *args: Any, timeout: float, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)`` in a worker; kill the worker after ``timeout`` s.

        ``fn`` and its arguments must be picklable (a module-level function).
        Raises :class:`TimeLimitExceeded`, :class:`WorkerCrashed` or :class:`RemoteError`.
        """
        if self._closed:
            raise RuntimeError("the worker pool is closed")
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        if not self._with_main and _from_main(fn, args, kwargs):
            self._with_main = True
        with self._slots:
            worker = self._take()
            try:
                worker.conn.send((fn, args, kwargs))
                ready = worker.conn.poll(timeout)
                reply = worker.conn.recv() if ready else None
            except (EOFError, OSError) as exc:
                code = worker.process.exitcode
                worker.kill()
                raise WorkerCrashed(_describe_exit(worker.process.exitcode, code, exc)) from exc
            except BaseException:
                worker.kill()
                raise
            if reply is None:
                worker.kill()
                raise TimeLimitExceeded(f"call exceeded its {timeout:g}s time limit; worker killed")
            worker.calls += 1
            if worker.calls >= self.max_calls or self._closed:
                worker.stop()
            else:
                self._idle.put(worker)
        if reply[0] == "ok":
            return reply[1]
        raise RemoteError(reply[1], reply[2], reply[3])

    async def acall(
        self, fn: Callable[..., Any], /, *args: Any, timeout: float, **kwargs: Any
    ) -> Any:
        """``call`` for asyncio code: the wait happens in a thread, never on the loop."""
        return await asyncio.to_thread(self.call, fn, *args, timeout=timeout, **kwargs)

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().stop()
            except queue.Empty:
                break

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _describe_exit(exitcode: int | None, before: int | None, exc: BaseException) -> str:
    code = exitcode if exitcode is not None else before
    if code is not None and code < 0:
        import signal

        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return f"worker process was killed by {name}"
    return f"worker process died (exit code {code}): {exc!r}"


_live_pools: weakref.WeakSet[WorkerPool] = weakref.WeakSet()


@atexit.register
def _close_live_pools() -> None:
    for pool in list(_live_pools):
        if pool._pid == os.getpid():
            pool.close()


_default: WorkerPool | None = None
_default_lock = threading.Lock()


def default_pool() -> WorkerPool:
    """The process-wide pool (size from ``M1ENV_VERIFY_WORKERS``, else the CPU count)."""
    global _default
    with _default_lock:
        if _default is None or _default._pid != os.getpid():
            size = settings.VERIFY_WORKERS.get_int() or os.cpu_count() or 1
            _default = WorkerPool(max(1, size))
        return _default


def set_default_pool(pool: WorkerPool | None) -> WorkerPool | None:
    """Replace the process-wide pool (for example with ``WorkerPool(size=jobs)``)."""
    global _default
    with _default_lock:
        previous, _default = _default, pool
    return previous
