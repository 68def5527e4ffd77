"""Online length-bias monitoring of a judge's rewards.

M1 found its generative reward models favoured longer outputs and watched for it
during training. :class:`Monitor` takes one :class:`Observation` per scored episode
(judge reward, response length, the sampling group, and -- for anchor tasks that a
rule verifier also scores -- whether the response was really correct). Every
``window`` observations it emits a :class:`Reading` and raises alarms when:

* ``length_correlation``: within sampling groups, reward correlates with length
  above ``corr_threshold`` (the groups share a prompt, so a within-group correlation
  is length being paid for, not harder prompts having longer answers);
* ``reward_without_accuracy``: mean judge reward of the latest ``smoothing`` windows
  rose more than ``reward_rise`` over the first ``smoothing`` windows while anchored
  accuracy rose less than ``accuracy_tolerance`` -- reward without task gains;
* ``length_growth``: mean length grew faster than ``length_growth`` per window
  while anchored accuracy did not improve.

Readings go to every sink (the platform stores them in SQL and exports gauges).
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Monitor", "MonitorConfig", "Observation", "Reading", "within_group_corr"]


@dataclass(frozen=True)
class MonitorConfig:
    window: int = 256
    corr_threshold: float = 0.3
    reward_rise: float = 0.05
    accuracy_tolerance: float = 0.02
    length_growth: float = 0.2
    min_groups: int = 4
    smoothing: int = 3  # readings averaged on each side of a comparison (noise / sqrt(k))
    keep_windows: int = 8  # recent windows kept for a remedy to fit on

    def __post_init__(self) -> None:
        if self.window < 4:
            raise ValueError(f"window must be at least 4, got {self.window}")
        if not 0 < self.corr_threshold < 1:
            raise ValueError(f"corr_threshold must be in (0, 1), got {self.corr_threshold}")
        if self.reward_rise <= 0 or self.length_growth <= 0 or self.accuracy_tolerance < 0:
            raise ValueError("reward_rise and length_growth must be > 0, accuracy_tolerance >= 0")
        if self.min_groups < 1 or self.smoothing < 1 or self.keep_windows < 1:
            raise ValueError("min_groups, smoothing and keep_windows must be at least 1")


@dataclass(frozen=True)
class Observation:
    reward: float
    length: float
    group: str
    anchor_correct: bool | None = None
    step: int = 0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.reward) and math.isfinite(self.length)) or self.length < 0:
            raise ValueError(f"reward and length must be finite, length >= 0: {self}")


@dataclass(frozen=True)
class Reading:
    window: int
    n: int
    mean_reward: float
    mean_length: float
    anchor_accuracy: float | None
    length_corr: float | None
    reward_delta: float
    accuracy_delta: float | None
    length_growth: float
    alarms: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def _pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / math.sqrt(sxx * syy)


def within_group_corr(
    rewards: Sequence[float],
    lengths: Sequence[float],
    groups: Sequence[str],
    *,
    min_groups: int = 1,
) -> float | None:
    """Pearson correlation of reward and length after removing each group's means.

    Groups of one carry no within-group information and are skipped; None when
    fewer than ``min_groups`` groups remain or there is no variance.
    """
    members: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        members[g].append(i)
    xs: list[float] = []
    ys: list[float] = []
    used = 0
    for idx in members.values():
        if len(idx) < 2:
            continue
        used += 1
        mr = sum(rewards[i] for i in idx) / len(idx)
        ml = sum(lengths[i] for i in idx) / len(idx)
        xs.extend(lengths[i] - ml for i in idx)
        ys.extend(rewards[i] - mr for i in idx)
    if used < min_groups:
        return None
    return _pearson(xs, ys)


class Monitor:
    def __init__(
        self,
        config: MonitorConfig | None = None,
        sinks: Iterable[Callable[[Reading], None]] = (),
    ) -> None:
        self.config = config or MonitorConfig()
        self.sinks = list(sinks)
        self.readings: list[Reading] = []
        self._buffer: list[Observation] = []
        self._recent: deque[list[Observation]] = deque(maxlen=self.config.keep_windows)

    def observe(self, observation: Observation) -> Reading | None:
        self._buffer.append(observation)
        if len(self._buffer) < self.config.window:
            return None
        window, self._buffer = self._buffer, []
        self._recent.append(window)
        reading = self._read(window)
        self.readings.append(reading)
        for sink in self.sinks:
            sink(reading)
        return reading

    def observe_many(self, observations: Iterable[Observation]) -> list[Reading]:
        return [r for r in map(self.observe, observations) if r is not None]

    @property
    def recent(self) -> list[Observation]:
        """The observations of the last ``keep_windows`` windows (what remedies fit on)."""
        return [o for window in self._recent for o in window]

    @property
    def alarms(self) -> list[Reading]:
        return [r for r in self.readings if r.alarms]

    def _read(self, window: list[Observation]) -> Reading:
        cfg = self.config
        rewards = [o.reward for o in window]
        lengths = [o.length for o in window]
        anchors = [o.anchor_correct for o in window if o.anchor_correct is not None]
        mean_reward = sum(rewards) / len(rewards)
        mean_length = sum(lengths) / len(lengths)
        accuracy = sum(anchors) / len(anchors) if anchors else None
        corr = within_group_corr(
            rewards, lengths, [o.group for o in window], min_groups=cfg.min_groups
        )
        k = cfg.smoothing
        # Compare the mean of the latest k windows (this one included) with the mean of
        # the first k: single windows are too noisy for a few-percent threshold.
        base = self.readings[:k]
        recent_rewards = [r.mean_reward for r in self.readings[-(k - 1) :]] if k > 1 else []
        recent_rewards.append(mean_reward)
        reward_delta = (
            _mean(recent_rewards) - _mean([r.mean_reward for r in base])
            if len(self.readings) >= k
            else 0.0
        )
        base_acc = [r.anchor_accuracy for r in base if r.anchor_accuracy is not None]
        recent_acc = (
            [r.anchor_accuracy for r in self.readings[-(k - 1) :] if r.anchor_accuracy is not None]
            if k > 1
            else []
        )
        if accuracy is not None:
            recent_acc.append(accuracy)
        accuracy_delta = (
            _mean(recent_acc) - _mean(base_acc)
            if len(self.readings) >= k and base_acc and recent_acc
            else None
        )
        prev = self.readings[-1] if self.readings else None
        growth = mean_length / prev.mean_length - 1 if prev and prev.mean_length > 0 else 0.0
        no_task_gain = accuracy_delta is None or accuracy_delta < cfg.accuracy_tolerance
        alarms = []
        if corr is not None and corr > cfg.corr_threshold:
            alarms.append("length_correlation")
        if accuracy_delta is not None and reward_delta > cfg.reward_rise and no_task_gain:
            alarms.append("reward_without_accuracy")
        if growth > cfg.length_growth and no_task_gain:
            alarms.append("length_growth")
        return Reading(
            window=len(self.readings),
            n=len(window),
            mean_reward=mean_reward,
            mean_length=mean_length,
            anchor_accuracy=accuracy,
            length_corr=corr,
            reward_delta=reward_delta,
            accuracy_delta=accuracy_delta,
            length_growth=growth,
            alarms=tuple(alarms),
            details={"first_step": window[0].step, "last_step": window[-1].step},
        )

    def gauges(self) -> dict[str, float]:
        """The latest reading as metric gauges (exported by the scoring service)."""
        if not self.readings:
            return {}
        last = self.readings[-1]
        gauges = {
            "grm_mean_reward": last.mean_reward,
            "grm_mean_length": last.mean_length,
            "grm_length_growth": last.length_growth,
            "grm_alarm": float(bool(last.alarms)),
            "grm_alarms_total": float(len(self.alarms)),
        }
        if last.length_corr is not None:
            gauges["grm_length_reward_corr"] = last.length_corr
        if last.anchor_accuracy is not None:
            gauges["grm_anchor_accuracy"] = last.anchor_accuracy
        return gauges
