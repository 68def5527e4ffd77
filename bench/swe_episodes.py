"""SWE-v0 episodes with a scripted agent, bwrap vs Docker side by side in one run.

The agent (:mod:`m1env.envs.swe.scripted`) views each file the gold patch changes,
applies it with ``str_replace`` / ``create_file`` tool calls, calls ``run_tests`` and
``submit``. For each task it runs ``--episodes`` episodes per backend, interleaved (bwrap, Docker,
bwrap, ...; after one warm-up episode each that also builds the task's venv or image),
and reports episodes per second (whole episodes: reset, tool calls, grading), the
grading latency p50/p99 (the ``submit`` step: the diff + the sandboxed test run) and
the ``run_tests`` step p50 (a sandboxed command on the mounted workspace).
Every episode must score 1. The last column is the Docker/bwrap ratio of the rate.
A second table times ``bash`` steps on the mounted workspace: bwrap, Docker with the
container pre-started for the episode's workspace (the default), and Docker creating a
container per step (that pre-start disabled), to show what the pre-start buys.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from m1env.envs.swe import SWEConfig, SWEEnv
from m1env.envs.swe.scripted import call, patch_actions
from m1env.sandbox import close_environments
from m1env.verifiers.swe import load_instances

TASKS = Path(__file__).resolve().parent.parent / "m1env" / "data" / "swe" / "tasks.jsonl"


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _episode(env: SWEEnv, index: int, actions: list[dict[str, Any]]) -> tuple[float, float, float]:
    """(episode s, grading s, run_tests s) of one scripted episode; it must score 1."""
    start = time.perf_counter()
    env.reset(options={"index": index})
    run_tests = 0.0
    for action in actions:
        t0 = time.perf_counter()
        _, reward, terminated, truncated, info = env.step(action)
        if action["tool_calls"][0]["function"]["name"] == "run_tests":
            run_tests = time.perf_counter() - t0
        if terminated or truncated:
            if reward != 1.0:
                raise SystemExit(f"episode scored {reward}: {info['score'].reason}")
            end = time.perf_counter()
            return end - start, end - t0, run_tests
    raise SystemExit("the scripted episode did not end")


def _bash_steps(backend: str, cold: bool, episodes: int = 6, steps: int = 4) -> list[float]:
    """Latency of ``bash`` steps (0.3 s of policy time between them). ``cold``: Docker
    without its pre-started per-workspace container (every step creates one)."""
    from m1env.sandbox.backends.docker import DockerBackend

    saved = DockerBackend.prestart, DockerBackend._take_mounted
    if cold:
        DockerBackend.prestart = lambda self, limits, mounts: None  # type: ignore[method-assign]
        DockerBackend._take_mounted = lambda self, shape, mounts: self._start(shape, mounts)  # type: ignore[method-assign]
    env = SWEEnv(config=SWEConfig(backend=backend))
    out = []
    try:
        for _ in range(episodes):
            env.reset(options={"index": 0})
            for _ in range(steps):
                t0 = time.perf_counter()
                obs = env.step(call("bash", command="ls > /dev/null; echo ok"))[0]
                out.append(time.perf_counter() - t0)
                if "exit code 0" not in obs:
                    raise SystemExit(f"bash step failed: {obs}")
                time.sleep(0.3)
    finally:
        env.close()
        DockerBackend.prestart, DockerBackend._take_mounted = saved  # type: ignore[method-assign]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=10, help="episodes per task and backend")
    parser.add_argument("--tasks", default=str(TASKS))
    parser.add_argument("--backends", default="bwrap,docker")
    args = parser.parse_args()
    backends = [b for b in args.backends.split(",") if b]
    instances = load_instances(args.tasks)
    envs = {b: SWEEnv(path=args.tasks, config=SWEConfig(backend=b)) for b in backends}
    print(f"# {len(instances)} tasks x {args.episodes} episodes; load {os.getloadavg()[0]:.2f}")
    cols = "".join(
        f"{b + ' ep/s':>14}{'grade p50':>11}{'p99':>8}{'tests p50':>11}" for b in backends
    )
    ratio = f"{'ratio':>7}" if len(backends) == 2 else ""
    print(f"{'task':<24}{cols}{ratio}")
    totals: dict[str, list[float]] = {b: [] for b in backends}
    for index, inst in enumerate(instances):
        actions = patch_actions(inst, inst.patch)
        row = f"{inst.instance_id:<24}"
        rates = []
        for b in backends:
            _episode(envs[b], index, actions)  # warm-up: builds the venv / image
        episode: dict[str, list[float]] = {b: [] for b in backends}
        grading: dict[str, list[float]] = {b: [] for b in backends}
        tests: dict[str, list[float]] = {b: [] for b in backends}
        # Interleaved, so that load from other processes hits both backends alike.
        for _ in range(args.episodes):
            for b in backends:
                total, graded, tested = _episode(envs[b], index, actions)
                episode[b].append(total)
                grading[b].append(graded)
                tests[b].append(tested)
        for b in backends:
            eps = len(episode[b]) / sum(episode[b])
            totals[b].append(eps)
            rates.append(eps)
            p50 = _quantile(grading[b], 0.5) * 1e3
            p99 = _quantile(grading[b], 0.99) * 1e3
            t50 = _quantile(tests[b], 0.5) * 1e3
            row += f"{eps:>14.2f}{p50:>11.0f}{p99:>8.0f}{t50:>11.0f}"
        if len(rates) == 2:
            row += f"{rates[1] / rates[0]:>7.2f}"
        print(row, flush=True)
    summary = "".join(f"{statistics.mean(totals[b]):>14.2f}{'':>30}" for b in backends)
    print(f"{'mean':<24}{summary}")
    for env in envs.values():
        env.close()
    if "docker" in backends:
        print("\n# bash tool step (workspace mounted), 6 episodes x 4 steps, 0.3 s between steps")
        print(f"{'backend':<28}{'p50 ms':>8}{'p90 ms':>8}")
        for label, backend, cold in (
            ("bwrap", "bwrap", False),
            ("docker, pre-started", "docker", False),
            ("docker, cold container", "docker", True),
        ):
            lat = sorted(_bash_steps(backend, cold))
            p50, p90 = _quantile(lat, 0.5) * 1e3, _quantile(lat, 0.9) * 1e3
            print(f"{label:<28}{p50:>8.0f}{p90:>8.0f}", flush=True)
    print(f"# load at the end {os.getloadavg()[0]:.2f}")
    close_environments()


if __name__ == "__main__":
    main()
