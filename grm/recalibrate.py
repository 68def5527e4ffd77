"""Recalibration: what to do when the monitor raises a length-bias alarm.

Remedies, chosen by name from :data:`REMEDIES`:

* ``length_debias``: fit the pooled within-group slope of reward on length over the
  alarm window, then pay each later reward minus slope x (log2 length - the window's
  mean log2 length). This removes the linear length reward within groups (what group-normalised
  advantages see) and across time, while keeping the judge's ranking on everything else.
* ``reanchor``: the same correction, but with the slope measured on a calibration set
  of response pairs with known preference (equal-quality pairs of different lengths
  reveal the judge's pure length slope), so the fix does not depend on the policy's
  own data; agreement with the known preferences is recorded before and after.
* ``switch_template``: ask the judge with another template version from then on.

Every application is a :class:`Recalibration` record with the reading that caused it
and the first reading after it, so the effect is auditable.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Literal

from m1env.grm.monitor import Observation, Reading

__all__ = [
    "REMEDIES",
    "CalibrationPair",
    "LengthDebias",
    "Reanchor",
    "Recalibration",
    "Recalibrator",
    "Remedy",
    "SwitchTemplate",
    "log_length",
    "within_group_slope",
]


def within_group_slope(
    rewards: Sequence[float], lengths: Sequence[float], groups: Sequence[str]
) -> float:
    """Pooled OLS slope of reward on length after removing each group's means."""
    members: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        members[g].append(i)
    sxy = sxx = 0.0
    for idx in members.values():
        if len(idx) < 2:
            continue
        mr = sum(rewards[i] for i in idx) / len(idx)
        ml = sum(lengths[i] for i in idx) / len(idx)
        sxy += sum((lengths[i] - ml) * (rewards[i] - mr) for i in idx)
        sxx += sum((lengths[i] - ml) ** 2 for i in idx)
    return sxy / sxx if sxx > 0 else 0.0


def log_length(length: float) -> float:
    """The length feature: judges pay per *doubling* far more than per character."""
    return math.log2(max(length, 1.0))


def _debias(
    rewards: Sequence[float], lengths: Sequence[float], slope: float, reference: float
) -> list[float]:
    # Anchored at a fixed reference (the alarm window's mean log-length), not the
    # group's, so growing every response in a group no longer raises its reward either.
    return [
        min(1.0, max(0.0, r - slope * (log_length(n) - reference)))
        for r, n in zip(rewards, lengths, strict=True)
    ]


class Remedy(ABC):
    name: ClassVar[str]

    @abstractmethod
    def fit(self, window: Sequence[Observation]) -> dict[str, Any]:
        """Learn the correction from the alarm window; return its parameters."""

    def adjust_group(self, rewards: Sequence[float], lengths: Sequence[float]) -> list[float]:
        """Corrected rewards for one sampling group (same prompt)."""
        return list(rewards)

    def template(self) -> str | None:
        """The judge template to switch to, if this remedy switches templates."""
        return None


class LengthDebias(Remedy):
    name = "length_debias"

    def __init__(self) -> None:
        self.slope = 0.0
        self.reference_length = 0.0

    def fit(self, window: Sequence[Observation]) -> dict[str, Any]:
        logs = [log_length(o.length) for o in window]
        self.slope = within_group_slope([o.reward for o in window], logs, [o.group for o in window])
        self.reference_length = sum(logs) / len(logs)
        return {"slope_per_doubling": self.slope, "reference_log2_length": self.reference_length}

    def adjust_group(self, rewards: Sequence[float], lengths: Sequence[float]) -> list[float]:
        return _debias(rewards, lengths, self.slope, self.reference_length)


@dataclass(frozen=True)
class CalibrationPair:
    """Two responses to one question with a known preference (``tie`` = equal quality)."""

    question: str
    response_a: str
    response_b: str
    preferred: Literal["A", "B", "tie"]


class Reanchor(Remedy):
    """Slope from calibration pairs scored by ``score_fn(question, response) -> reward``."""

    name = "reanchor"

    def __init__(
        self, pairs: Sequence[CalibrationPair], score_fn: Callable[[str, str], float]
    ) -> None:
        if not any(p.preferred == "tie" for p in pairs):
            raise ValueError("reanchor needs at least one equal-quality ('tie') pair")
        self.pairs = list(pairs)
        self.score_fn = score_fn
        self.slope = 0.0
        self.reference_length = 0.0

    def _agreement(self, scored: list[tuple[CalibrationPair, float, float]], slope: float) -> float:
        ranked = [(p, a, b) for p, a, b in scored if p.preferred != "tie"]
        if not ranked:
            return float("nan")
        hits = 0
        for p, a, b in ranked:
            a_adj = a - slope * log_length(len(p.response_a))
            b_adj = b - slope * log_length(len(p.response_b))
            hits += (a_adj > b_adj) == (p.preferred == "A")
        return hits / len(ranked)

    def fit(self, window: Sequence[Observation]) -> dict[str, Any]:
        scored = [
            (p, self.score_fn(p.question, p.response_a), self.score_fn(p.question, p.response_b))
            for p in self.pairs
        ]
        sxy = sxx = 0.0
        for p, a, b in scored:
            if p.preferred == "tie":
                dl = log_length(len(p.response_a)) - log_length(len(p.response_b))
                sxy += dl * (a - b)
                sxx += dl * dl
        before = self._agreement(scored, 0.0)
        self.slope = sxy / sxx if sxx > 0 else 0.0
        logs = [log_length(o.length) for o in window] or [0.0]
        self.reference_length = sum(logs) / len(logs)
        return {
            "slope_per_doubling": self.slope,
            "reference_log2_length": self.reference_length,
            "calibration_pairs": len(self.pairs),
            "agreement_before": before,
            "agreement_after": self._agreement(scored, self.slope),
        }

    def adjust_group(self, rewards: Sequence[float], lengths: Sequence[float]) -> list[float]:
        return _debias(rewards, lengths, self.slope, self.reference_length)


class SwitchTemplate(Remedy):
    name = "switch_template"

    def __init__(self, template: str = "pointwise-v2") -> None:
        self.to = template

    def fit(self, window: Sequence[Observation]) -> dict[str, Any]:
        return {"template": self.to}

    def template(self) -> str | None:
        return self.to


REMEDIES: dict[str, type[Remedy]] = {
    cls.name: cls for cls in (LengthDebias, Reanchor, SwitchTemplate)
}


@dataclass(frozen=True)
class Recalibration:
    remedy: str
    trigger: Reading
    params: dict[str, Any]
    after: Reading | None = None
    alarms: tuple[str, ...] = field(default_factory=tuple)


class Recalibrator:
    """Applies ``remedy`` at the first alarm and keeps the record before and after."""

    def __init__(
        self, remedy: Remedy, sinks: Sequence[Callable[[Recalibration], None]] = ()
    ) -> None:
        self.remedy = remedy
        self.sinks = list(sinks)
        self.history: list[Recalibration] = []
        self.active = False

    def on_reading(self, reading: Reading, window: Sequence[Observation]) -> Recalibration | None:
        """Feed every reading; returns the record when the remedy is applied now."""
        if self.history and self.history[-1].after is None and self.active:
            self.history[-1] = replace(self.history[-1], after=reading)
            for sink in self.sinks:
                sink(self.history[-1])
        if reading.alarms and not self.active:
            params = self.remedy.fit(window)
            record = Recalibration(self.remedy.name, reading, params, alarms=reading.alarms)
            self.history.append(record)
            self.active = True
            for sink in self.sinks:
                sink(record)
            return record
        return None

    def adjust_group(self, rewards: Sequence[float], lengths: Sequence[float]) -> list[float]:
        return self.remedy.adjust_group(rewards, lengths) if self.active else list(rewards)
