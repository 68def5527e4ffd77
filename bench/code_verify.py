"""Code verification throughput: problems scored per second for a 10-test problem.

Rows, each measured for ``--seconds`` in the same run:

* ``floor``: the same 10 tests in a plain ``subprocess.run`` loop (1 or 2 threads), no isolation, no
  limits (``/usr/bin/python3 main.py`` per test, or one ``g++`` compile plus 10 runs),
  outputs compared with the verifier's own comparison -- the cost of just running them;
* ``code verifier, N workers``: ``CodeVerifier.verify`` (extraction, the bubblewrap
  sandbox per test, per-test limits, judging) called from N threads; the sandbox's
  concurrency cap is N;
* ``... isolation=problem``: the same with every test of the problem in one sandbox
  (per-test rlimits inside; see ``m1env.verifiers.code.runner``).

Problems: ``stdin`` (Python reads a list and prints its sum), ``call`` (the same as a
call-based Python function, through the harness) and ``c++`` (stdin, compiled once).

    python bench/code_verify.py [--seconds 5] [--kinds stdin,call,c++]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from m1env import sandbox
from m1env.verifiers.code import CodeVerifier, compare_text

PY = "/usr/bin/python3"
INPUTS = [f"{n}\n{' '.join(str(i * 7 % 1000) for i in range(n))}\n" for n in range(1, 11)]
OUTPUTS = [f"{sum(i * 7 % 1000 for i in range(n))}\n" for n in range(1, 11)]
PY_SRC = "input()\nprint(sum(map(int, input().split())))\n"
CALL_SRC = "def total(nums):\n    return sum(nums)\n"
CPP_SRC = (
    '#include <cstdio>\nint main(){int n;scanf("%d",&n);long long s=0,x;'
    'for(int i=0;i<n;i++){scanf("%lld",&x);s+=x;}printf("%lld\\n",s);}\n'
)
STDIN_REF: dict[str, Any] = {"inputs": INPUTS, "outputs": OUTPUTS}
CALL_REF: dict[str, Any] = {
    "inputs": [[[i * 7 % 1000 for i in range(n)]] for n in range(1, 11)],
    "outputs": [int(o) for o in OUTPUTS],
    "fn_name": "total",
}
CASES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "stdin": ("python3", PY_SRC, STDIN_REF),
    "call": ("python3", CALL_SRC, CALL_REF),
    "c++": ("c++", CPP_SRC, STDIN_REF),
}
_CALL_FLOOR = (
    "import json, sys\nexec(open('solution.py').read())\n"
    "print(json.dumps(total(*json.loads(sys.stdin.read()))))\n"
)


def floor_once(kind: str) -> None:
    """One problem scored in a plain subprocess loop (no isolation)."""
    with tempfile.TemporaryDirectory() as tmp:
        if kind == "c++":
            with open(os.path.join(tmp, "main.cpp"), "w") as fh:
                fh.write(CPP_SRC)
            subprocess.run(
                ["/usr/bin/g++", "-O2", "-std=gnu++17", "-o", "main", "main.cpp"],
                cwd=tmp,
                check=True,
            )
            argv = ["./main"]
        elif kind == "call":
            with open(os.path.join(tmp, "solution.py"), "w") as fh:
                fh.write(CALL_SRC)
            with open(os.path.join(tmp, "run.py"), "w") as fh:
                fh.write(_CALL_FLOOR)
            argv = [PY, "run.py"]
        else:
            with open(os.path.join(tmp, "main.py"), "w") as fh:
                fh.write(PY_SRC)
            argv = [PY, "main.py"]
        for n, (inp, out) in enumerate(zip(INPUTS, OUTPUTS, strict=True)):
            data = json.dumps(CALL_REF["inputs"][n]) if kind == "call" else inp
            proc = subprocess.run(argv, cwd=tmp, input=data, capture_output=True, text=True)
            assert compare_text(proc.stdout, out)[0], (kind, proc.stdout, proc.stderr)


def scored(
    verifier: CodeVerifier, response: str, ref: dict[str, Any], language: str, isolation: str
) -> None:
    res = verifier.verify(response, ref, language=language, isolation=isolation)
    assert res.status == "correct", res.reason


def rate(fn: Callable[[], None], workers: int, seconds: float) -> float:
    """Problems per second with ``workers`` threads calling ``fn`` for ``seconds``."""
    deadline = time.monotonic() + seconds

    def loop() -> int:
        done = 0
        while time.monotonic() < deadline:
            fn()
            done += 1
        return done

    start = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        total = sum(pool.map(lambda _: loop(), range(workers)))
    return total / (time.monotonic() - start)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--kinds", default="stdin,call,c++")
    args = parser.parse_args()
    verifier = CodeVerifier()
    backend = sandbox.get_backend()
    print(f"sandbox backend: {backend.name}; load average {os.getloadavg()[0]:.1f}")
    print("| problem | runner | workers | problems/s | tests/s | floor / this |")
    print("|---|---|---:|---:|---:|---:|")
    for kind in args.kinds.split(","):
        language, src, ref = CASES[kind]
        response = f"```{'cpp' if language == 'c++' else 'python'}\n{src}```"
        check = verifier.verify(response, ref, language=language)
        assert check.status == "correct", check

        floor = {}
        for workers in (1, 2):
            floor[workers] = rate(functools.partial(floor_once, kind), workers, args.seconds)
            print(
                f"| {kind} | plain subprocess loop (floor) | {workers} | {floor[workers]:.2f} "
                f"| {floor[workers] * 10:.1f} | 1.00 |"
            )
        for isolation in ("test", "problem"):
            for workers in (1, 2):
                sandbox.set_max_jobs(workers)
                job = functools.partial(scored, verifier, response, ref, language, isolation)
                ours = rate(job, workers, args.seconds)
                print(
                    f"| {kind} | code verifier ({backend.name}, isolation={isolation}) | {workers} "
                    f"| {ours:.2f} | {ours * 10:.1f} | {floor[workers] / ours:.2f} |",
                    flush=True,
                )
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
