"""Batch test runner: runs INSIDE one sandbox, never imported by the verifier.

``python3 -I -B _batch.py`` reads ``_batch.json`` (``argv``, ``stdins``, ``cpu_s``,
``wall_s``, ``memory_bytes``, ``output_bytes``, ``stop_on_error``) and runs ``argv`` once per stdin, each
run in a fresh directory under ``/tmp`` and its own session, with RLIMIT_CPU,
RLIMIT_AS and RLIMIT_FSIZE set for that run; stdin, stdout and stderr are files, so a
flood of output hits RLIMIT_FSIZE rather than this process's memory. After each run
its process group is killed and its directory removed. With ``stop_on_error`` it
stops after the first run that did not exit normally (a failure whatever it printed). The records (verdict, exit
status, CPU and wall time, stdout, the tail of stderr) go to ``_batch_out.json``.

It judges nothing -- it holds no expected output. A program that tampers with this
process can at most choose the outputs reported for itself, which is what printing
them does; it can, however, escape the per-test limits into the whole batch's, which
is why batch isolation is opt-in (see :mod:`m1env.verifiers.code.runner`).
"""

import contextlib
import json
import math
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import time

_MEMORY_MARKERS = ("MemoryError", "std::bad_alloc", "Cannot allocate memory")


def _limits(cpu_s, memory_bytes, output_bytes):
    def apply():
        os.setsid()
        cpu = max(1, math.ceil(cpu_s))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        # One byte over the limit is how an overflow is recognised afterwards.
        resource.setrlimit(resource.RLIMIT_FSIZE, (output_bytes + 1, output_bytes + 1))

    return apply


def _run(base, argv, stdin, spec):
    work = tempfile.mkdtemp(prefix="t", dir="/tmp" if os.path.isdir("/tmp") else base)
    paths = [os.path.join(work, n) for n in ("in", "out", "err")]
    with open(paths[0], "w", encoding="utf-8", errors="surrogateescape") as fh:
        fh.write(stdin)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    timed_out = False
    with open(paths[0], "rb") as fin, open(paths[1], "wb") as fout, open(paths[2], "wb") as ferr:
        proc = subprocess.Popen(
            argv, cwd=work, stdin=fin, stdout=fout, stderr=ferr, close_fds=True,
            preexec_fn=_limits(spec["cpu_s"], spec["memory_bytes"], spec["output_bytes"]),
        )  # fmt: skip
        try:
            proc.wait(timeout=spec["wall_s"])
        except subprocess.TimeoutExpired:
            timed_out = True
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with open(paths[1], "rb") as fh:
        out = fh.read(spec["output_bytes"] + 1)
    with open(paths[2], "rb") as fh:
        err = fh.read()[-4000:]
    shutil.rmtree(work, ignore_errors=True)
    code = proc.returncode
    sig = -code if code < 0 else None
    stderr = err.decode("utf-8", "replace")
    if sig == signal.SIGXFSZ or len(out) > spec["output_bytes"] or "File too large" in stderr:
        verdict = "output_limit"
    elif timed_out or sig == signal.SIGXCPU or cpu > spec["cpu_s"]:
        verdict = "timeout"
    elif code != 0 and any(m in stderr for m in _MEMORY_MARKERS):
        verdict = "memory"
    else:
        verdict = "ok" if code == 0 else "runtime_error"
    return {
        "verdict": verdict,
        "exit_code": None if sig else code,
        "signal": sig,
        "cpu_s": cpu,
        "wall_s": wall,
        "stdout": out[: spec["output_bytes"]].decode("utf-8", "replace"),
        "stderr": stderr,
    }


def main():
    base = os.getcwd()
    with open("_batch.json", encoding="utf-8") as fh:
        spec = json.load(fh)
    argv = [
        os.path.join(base, a) if os.path.exists(os.path.join(base, a)) else a for a in spec["argv"]
    ]
    records = []
    for stdin in spec["stdins"]:
        records.append(_run(base, argv, stdin, spec))
        if spec.get("stop_on_error") and records[-1]["verdict"] != "ok":
            break
    with open(os.path.join(base, "_batch_out.json"), "w", encoding="utf-8") as fh:
        json.dump(records, fh)


if __name__ == "__main__":
    main()
