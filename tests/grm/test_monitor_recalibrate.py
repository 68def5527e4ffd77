from __future__ import annotations

import math
import random

import pytest

from m1env.grm import (
    CalibrationPair,
    LengthDebias,
    Monitor,
    MonitorConfig,
    Observation,
    Reanchor,
    Recalibrator,
    within_group_corr,
    within_group_slope,
)
from m1env.grm.recalibrate import log_length


def test_within_group_corr_hand_computed():
    # Two groups; inside each, reward rises exactly with length: corr 1 after demeaning,
    # even though across groups the relation is reversed (a harder prompt).
    rewards = [0.9, 1.0, 0.1, 0.2]
    lengths = [10, 20, 100, 110]
    groups = ["a", "a", "b", "b"]
    assert within_group_corr(rewards, lengths, groups) == pytest.approx(1.0)
    assert within_group_slope(rewards, lengths, groups) == pytest.approx(0.01)
    assert within_group_corr([1, 2, 3], [1, 2, 3], ["a", "b", "c"]) is None


def _stream(rng, steps, group_size, bias, growth, acc=0.5):
    for step in range(steps):
        for p in range(4):
            for _ in range(group_size):
                length = 200 * (1 + growth) ** step * math.exp(rng.gauss(0, 0.4))
                correct = rng.random() < acc
                reward = (
                    0.3 + 0.4 * correct + bias * (log_length(length) - 7.6) + rng.gauss(0, 0.02)
                )
                yield Observation(reward, length, f"{step}/{p}", correct if p < 2 else None, step)


def test_unbiased_judge_raises_no_alarm():
    monitor = Monitor(MonitorConfig(window=64, min_groups=2))
    monitor.observe_many(_stream(random.Random(0), 20, 16, bias=0.0, growth=0.0))
    assert len(monitor.readings) == 20 and monitor.alarms == []


def test_length_correlation_alarm():
    monitor = Monitor(MonitorConfig(window=64, min_groups=2))
    monitor.observe_many(_stream(random.Random(1), 5, 16, bias=0.5, growth=0.0))
    assert all("length_correlation" in r.alarms for r in monitor.readings)


def test_reward_without_accuracy_and_length_growth_alarms():
    monitor = Monitor(MonitorConfig(window=64, min_groups=2, corr_threshold=0.9))
    monitor.observe_many(_stream(random.Random(2), 20, 16, bias=0.05, growth=0.3))
    fired = {a for r in monitor.readings for a in r.alarms}
    assert {"reward_without_accuracy", "length_growth"} <= fired
    assert monitor.gauges()["grm_alarm"] in (0.0, 1.0)


def test_length_debias_removes_the_length_reward():
    obs = list(_stream(random.Random(3), 4, 16, bias=0.1, growth=0.0))
    remedy = LengthDebias()
    params = remedy.fit(obs)
    assert params["slope_per_doubling"] == pytest.approx(0.1, abs=0.02)
    fresh = list(_stream(random.Random(4), 4, 16, bias=0.1, growth=0.0))
    adjusted: list[float] = []
    for i in range(0, len(fresh), 16):
        chunk = fresh[i : i + 16]
        adjusted += remedy.adjust_group([o.reward for o in chunk], [o.length for o in chunk])
    groups = [o.group for o in fresh]
    lengths = [o.length for o in fresh]
    before = within_group_corr([o.reward for o in fresh], lengths, groups)
    after = within_group_corr(adjusted, lengths, groups)
    assert before is not None and after is not None
    assert before > 0.2 and abs(after) < 0.1


def test_reanchor_measures_the_slope_on_calibration_pairs():
    def biased(question: str, response: str) -> float:
        quality = 0.8 if "good" in response else 0.3
        return quality + 0.05 * log_length(len(response))

    pairs = [CalibrationPair("q", "good " * n, "good " * (4 * n), "tie") for n in (5, 10, 20)]
    pairs += [CalibrationPair("q", "good", "bad " * 200, "A")]
    remedy = Reanchor(pairs, biased)
    params = remedy.fit([Observation(0.5, 100.0, "g")])
    assert params["slope_per_doubling"] == pytest.approx(0.05, abs=1e-6)
    assert params["agreement_after"] == 1.0
    with pytest.raises(ValueError):
        Reanchor([CalibrationPair("q", "a", "b", "A")], biased)


def test_recalibrator_records_before_and_after():
    monitor = Monitor(MonitorConfig(window=64, min_groups=2))
    recal = Recalibrator(LengthDebias())
    for o in _stream(random.Random(5), 3, 16, bias=0.2, growth=0.0):
        reading = monitor.observe(o)
        if reading is not None:
            recal.on_reading(reading, monitor.recent)
    assert recal.active and len(recal.history) == 1
    record = recal.history[0]
    assert record.trigger.window == 0 and record.after is not None and record.after.window == 1
