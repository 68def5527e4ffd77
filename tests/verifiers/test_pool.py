from __future__ import annotations

import os
import threading
import time

import pytest

from m1env.verifiers import RemoteError, TimeLimitExceeded, WorkerCrashed, WorkerPool


def _echo(x):
    return x


def _sleep(seconds):
    time.sleep(seconds)
    return seconds


def _spin():
    while True:
        pass


def _raise():
    raise ZeroDivisionError("boom")


def _die():
    os._exit(3)


def _pid():
    return os.getpid()


def _allocate(mb):
    return len(bytearray(mb * 1024 * 1024))


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(2, memory_limit_mb=512) as p:
        yield p


def test_call_returns_result(pool):
    assert pool.call(_echo, {"a": [1, 2]}, timeout=10) == {"a": [1, 2]}


def test_timeout_kills_a_spinning_worker_and_pool_recovers(pool):
    start = time.monotonic()
    with pytest.raises(TimeLimitExceeded):
        pool.call(_spin, timeout=0.5)
    assert time.monotonic() - start < 5
    assert pool.call(_echo, 7, timeout=10) == 7


def test_remote_exception_keeps_type_and_traceback(pool):
    with pytest.raises(RemoteError) as info:
        pool.call(_raise, timeout=10)
    assert info.value.exc_type == "ZeroDivisionError"
    assert "boom" in info.value.message
    assert "_raise" in info.value.traceback


def test_dead_worker_is_reported_and_replaced(pool):
    with pytest.raises(WorkerCrashed):
        pool.call(_die, timeout=10)
    assert pool.call(_echo, "alive", timeout=10) == "alive"


def test_memory_limit_is_enforced(pool):
    with pytest.raises(RemoteError) as info:
        pool.call(_allocate, 2048, timeout=20)
    assert info.value.exc_type == "MemoryError"
    assert pool.call(_allocate, 16, timeout=20) == 16 * 1024 * 1024


def test_workers_are_reused_between_calls(pool):
    pids = {pool.call(_pid, timeout=10) for _ in range(6)}
    assert len(pids) <= 2
    assert os.getpid() not in pids


def test_concurrent_callers_from_threads_get_their_own_results(pool):
    results: dict[int, int] = {}

    def worker(i: int) -> None:
        results[i] = pool.call(_echo, i, timeout=20)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {i: i for i in range(16)}


def test_back_pressure_caps_concurrency():
    with WorkerPool(1) as one:
        start = time.monotonic()
        threads = [
            threading.Thread(target=one.call, args=(_sleep, 0.3), kwargs={"timeout": 10})
            for _ in range(3)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # One worker: the three sleeps run one after another.
        assert time.monotonic() - start >= 0.9


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError):
        WorkerPool(0)
    with WorkerPool(1) as p, pytest.raises(ValueError):
        p.call(_echo, 1, timeout=0)


async def _acall(pool):
    return await pool.acall(_echo, "async", timeout=10)


def test_acall_from_asyncio(pool):
    import asyncio

    assert asyncio.run(_acall(pool)) == "async"


def _run_script(tmp_path, source: str):
    import subprocess
    import sys

    script = tmp_path / "user_script.py"
    script.write_text(source)
    marker = tmp_path / "imports"
    env = {**os.environ, "MARKER": str(marker)}
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env
    )
    imports = marker.read_text().count("x") if marker.exists() else 0
    return proc, imports


def test_a_script_without_a_main_guard_is_not_run_again_in_the_workers(tmp_path):
    # Top-level code that counts its own executions, then scores through the default pool.
    proc, imports = _run_script(
        tmp_path,
        "import os\n"
        "open(os.environ['MARKER'], 'a').write('x')\n"
        "from m1env.verifiers import get_verifier\n"
        "print(get_verifier('math').verify('\\\\boxed{2}', '2').status)\n",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "correct", proc.stderr
    assert imports == 1  # the workers never re-ran the script
    assert "Traceback" not in proc.stderr


def test_a_verifier_defined_in_a_guarded_script_still_reaches_the_workers(tmp_path):
    proc, imports = _run_script(
        tmp_path,
        "import os\n"
        "open(os.environ['MARKER'], 'a').write('x')\n"
        "from m1env.verifiers import Score, Verifier\n"
        "class Shout(Verifier):\n"
        "    name = 'shout'\n"
        "    def check(self, response, reference, **options):\n"
        "        ok = response == str(reference).upper()\n"
        "        return Score.correct() if ok else Score.incorrect('quiet')\n"
        "if __name__ == '__main__':\n"
        "    print(Shout().verify('HI', 'hi').status, os.getpid())\n",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[0] == "correct", proc.stdout + proc.stderr
    assert imports == 2  # once as __main__, once in the worker that unpickled Shout
