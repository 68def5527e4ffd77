"""A length-hacking scenario, end to end over real HTTP.

A simulated policy whose responses grow longer from ``growth_start`` on while their
quality stays flat is scored by a length-biased judge: a real OpenAI-compatible
server on loopback (:class:`m1env.grm.testing.FakeChatServer`) that grades correctness and
adds a bonus per doubling of length. The :class:`~m1env.grm.monitor.Monitor` watches the
rewards; at its first alarm the chosen remedy is applied to every later reward. The
result says at which window the alarm fired and the within-group correlation of
reward and length before and after recalibration.
"""

from __future__ import annotations

import math
import random
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from m1env.grm.judge import Judge, JudgeCall, JudgeConfig
from m1env.grm.monitor import Monitor, MonitorConfig, Observation, Reading, within_group_corr
from m1env.grm.recalibrate import (
    REMEDIES,
    CalibrationPair,
    Reanchor,
    Recalibration,
    Recalibrator,
    Remedy,
)
from m1env.grm.testing import FakeChatServer

__all__ = [
    "SimulationConfig",
    "SimulationResult",
    "Sinks",
    "length_biased_grader",
    "run_simulation",
    "simulate_over_http",
]

_FILLER = (
    "Let me double-check this carefully and restate the reasoning in more detail so that "
    "nothing is missed, considering every step once more before concluding. "
)


@dataclass(frozen=True)
class SimulationConfig:
    steps: int = 30
    prompts_per_step: int = 8
    group_size: int = 8
    growth_start: int = 6
    growth_per_step: float = 0.12
    base_length: int = 400
    accuracy: float = 0.5
    length_bonus: float = 0.8  # judge points (of 10) per doubling of length
    anchor_fraction: float = 0.5
    remedy: str = "length_debias"
    seed: int = 0

    def __post_init__(self) -> None:
        if self.steps < 3 or self.prompts_per_step < 1 or self.group_size < 2:
            raise ValueError("need steps >= 3, prompts_per_step >= 1, group_size >= 2")
        if not 0 < self.accuracy < 1 or not 0 <= self.anchor_fraction <= 1:
            raise ValueError("accuracy must be in (0, 1) and anchor_fraction in [0, 1]")
        if self.remedy not in REMEDIES:
            raise ValueError(f"remedy must be one of {sorted(REMEDIES)}, got {self.remedy!r}")


@dataclass
class SimulationResult:
    readings: list[Reading]
    recalibrations: list[Recalibration]
    series: dict[str, list[float]] = field(default_factory=dict)
    alarm_window: int | None = None
    corr_before: float | None = None
    corr_after: float | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "alarm_window": self.alarm_window,
            "alarms": list(self.readings[self.alarm_window].alarms)
            if self.alarm_window is not None
            else [],
            "corr_before": self.corr_before,
            "corr_after": self.corr_after,
            "remedy": self.recalibrations[0].remedy if self.recalibrations else None,
            "params": self.recalibrations[0].params if self.recalibrations else {},
        }


_VERDICT = re.compile(r"RESPONSE:\n(.*)\n\nReply with", re.DOTALL)


def length_biased_grader(request: dict[str, Any]) -> str:
    """The fake judge: 4 points for a wrong answer, 8 for a right one, plus a length
    bonus, plus deterministic noise. Quality is read from the simulated response."""
    prompt = request["messages"][-1]["content"]
    match = _VERDICT.search(prompt)
    response = match.group(1) if match else ""
    bonus = float(re.search(r"bonus=([\d.]+)", prompt).group(1)) if "bonus=" in prompt else 1.5  # type: ignore[union-attr]
    correct = "FINAL ANSWER: right" in response
    noise = (zlib.crc32(response.encode()) % 1000) / 1000 - 0.5
    score = (8.0 if correct else 4.0) + bonus * math.log2(max(len(response), 50) / 400) + noise
    return f"Looks {'correct' if correct else 'wrong'}. <score>{min(10.0, max(0.0, score)):.2f}</score>"


def _response(rng: random.Random, correct: bool, length: int) -> str:
    head = f"Working... FINAL ANSWER: {'right' if correct else 'wrong'}. "
    body = (_FILLER * (length // len(_FILLER) + 1))[: max(0, length - len(head))]
    return head + body + f" [{rng.randrange(10**9)}]"


def _remedy(config: SimulationConfig, judge: Judge) -> Remedy:
    if config.remedy != "reanchor":
        return REMEDIES[config.remedy]()
    rng = random.Random(config.seed + 1)
    pairs = [
        CalibrationPair(
            f"calibration {i}",
            _response(rng, i % 2 == 0, config.base_length),
            _response(rng, i % 2 == 0, config.base_length * (2 + i % 3)),
            "tie",
        )
        for i in range(12)
    ] + [
        CalibrationPair(
            f"ranked {i}",
            _response(rng, True, config.base_length),
            _response(rng, False, config.base_length * 2),
            "A",
        )
        for i in range(6)
    ]
    return Reanchor(pairs, lambda q, r: judge.score(q, r).score)


@dataclass
class Sinks:
    """Callbacks for the audit trail (the platform stores them in SQL)."""

    readings: list[Callable[[Reading], None]] = field(default_factory=list)
    recalibrations: list[Callable[[Recalibration], None]] = field(default_factory=list)
    judge_calls: Callable[[JudgeCall], None] | None = None


async def run_simulation(
    config: SimulationConfig, judge: Judge, sinks: Sinks | None = None
) -> SimulationResult:
    sinks = sinks or Sinks()
    rng = random.Random(config.seed)
    window = config.prompts_per_step * config.group_size
    monitor = Monitor(MonitorConfig(window=window, min_groups=2), sinks.readings)
    recalibrator = Recalibrator(_remedy(config, judge), sinks.recalibrations)
    series: dict[str, list[float]] = {
        k: [] for k in ("raw_reward", "reward", "length", "anchor_accuracy", "corr_raw", "corr")
    }
    raw_by_window: list[tuple[list[float], list[float], list[str]]] = []
    adj_by_window: list[tuple[list[float], list[float], list[str]]] = []
    for step in range(config.steps):
        growth = (1 + config.growth_per_step) ** max(0, step - config.growth_start)
        samples = []
        for p in range(config.prompts_per_step):
            anchor = p < config.prompts_per_step * config.anchor_fraction
            for _ in range(config.group_size):
                correct = rng.random() < config.accuracy
                length = int(config.base_length * growth * math.exp(rng.gauss(0, 0.35)))
                samples.append((f"{step}/{p}", anchor, correct, _response(rng, correct, length)))
        scores = await judge.ascore_many(
            [
                {"question": f"q{g} bonus={config.length_bonus}", "response": r}
                for g, _, _, r in samples
            ]
        )
        raw = [s.score for s in scores]
        lengths = [float(len(r)) for *_, r in samples]
        groups = [g for g, *_ in samples]
        adjusted: list[float] = []
        for start in range(0, len(samples), config.group_size):
            stop = start + config.group_size
            adjusted += recalibrator.adjust_group(raw[start:stop], lengths[start:stop])
        raw_by_window.append((raw, lengths, groups))
        adj_by_window.append((adjusted, lengths, groups))
        reading = None
        for (g, anchor, correct, _), reward, chars in zip(samples, adjusted, lengths, strict=True):
            obs = Observation(reward, chars, g, correct if anchor else None, step)
            reading = monitor.observe(obs) or reading
        if reading is not None:
            recalibrator.on_reading(reading, monitor.recent)
        anchors = [c for _, a, c, _ in samples if a]
        series["raw_reward"].append(sum(raw) / len(raw))
        series["reward"].append(sum(adjusted) / len(adjusted))
        series["length"].append(sum(lengths) / len(lengths))
        series["anchor_accuracy"].append(sum(anchors) / len(anchors) if anchors else math.nan)
        series["corr_raw"].append(within_group_corr(raw, lengths, groups) or 0.0)
        series["corr"].append(within_group_corr(adjusted, lengths, groups) or 0.0)
    result = SimulationResult(monitor.readings, recalibrator.history, series)
    if recalibrator.history:
        alarm = recalibrator.history[0].trigger.window
        result.alarm_window = alarm
        result.corr_before = _pooled_corr(raw_by_window[: alarm + 1])
        result.corr_after = _pooled_corr(adj_by_window[alarm + 1 :])
    return result


def _pooled_corr(windows: list[tuple[list[float], list[float], list[str]]]) -> float | None:
    rewards = [r for w in windows for r in w[0]]
    lengths = [n for w in windows for n in w[1]]
    groups = [g for w in windows for g in w[2]]
    return within_group_corr(rewards, lengths, groups) if rewards else None


def simulate_over_http(config: SimulationConfig, sinks: Sinks | None = None) -> SimulationResult:
    """Run the scenario against a length-biased judge served over loopback HTTP."""
    import asyncio

    with FakeChatServer(length_biased_grader, model="length-biased-judge") as server:
        judge = Judge(
            JudgeConfig(base_url=server.base_url, model="length-biased-judge"),
            on_call=sinks.judge_calls if sinks else None,
        )
        return asyncio.run(run_simulation(config, judge, sinks))


def plot(result: SimulationResult, path: str) -> None:
    """Reward (raw and recalibrated), length and anchored accuracy per step, as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = list(range(len(result.series["length"])))
    fig, axes = plt.subplots(3, 1, figsize=(8, 8), sharex=True)
    axes[0].plot(steps, result.series["raw_reward"], label="judge reward (raw)")
    axes[0].plot(steps, result.series["reward"], label="reward paid (after recalibration)")
    axes[0].set_ylabel("reward")
    axes[1].plot(steps, result.series["length"], color="tab:orange")
    axes[1].set_ylabel("mean length (chars)")
    axes[2].plot(
        steps, result.series["anchor_accuracy"], color="tab:green", label="anchored accuracy"
    )
    axes[2].plot(
        steps, result.series["corr"], color="tab:red", label="within-group corr(reward, length)"
    )
    axes[2].set_ylabel("accuracy / corr")
    axes[2].set_xlabel("training step (one monitor window each)")
    if result.alarm_window is not None:
        for ax in axes:
            ax.axvline(result.alarm_window, color="gray", linestyle="--", label="alarm")
    for ax in axes:
        ax.legend(loc="best", fontsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle("GRM length-bias monitor: alarm and recalibration")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
