"""Where the generative reward model's audit trail goes: the episode store.

:mod:`grm` knows nothing of SQL; it reports to callbacks. These build the callbacks
that store every :class:`~m1env.grm.JudgeCall`, every monitor :class:`~m1env.grm.Reading` (one
row per metric, flagged when the window raised an alarm) and every
:class:`~m1env.grm.Recalibration` (a reading of metric ``recalibration`` holding the remedy,
its parameters and the readings before and after).
"""

from __future__ import annotations

from collections.abc import Callable

from m1env.grm import JudgeCall, Reading, Recalibration
from m1env.store import EpisodeStore

__all__ = ["grm_gauges", "judge_call_sink", "reading_sink", "recalibration_sink"]

_METRICS = (
    "mean_reward",
    "mean_length",
    "anchor_accuracy",
    "length_corr",
    "reward_delta",
    "accuracy_delta",
    "length_growth",
)


def reading_sink(store: EpisodeStore, run_id: str | None = None) -> Callable[[Reading], None]:
    def sink(reading: Reading) -> None:
        alarm = bool(reading.alarms)
        details = {"alarms": list(reading.alarms), "n": reading.n, **reading.details}
        for metric in _METRICS:
            value = getattr(reading, metric)
            store.record_reading(
                f"grm.{metric}", reading.window, value, alarm=alarm, details=details, run_id=run_id
            )

    return sink


def recalibration_sink(
    store: EpisodeStore, run_id: str | None = None
) -> Callable[[Recalibration], None]:
    def sink(record: Recalibration) -> None:
        window = record.after.window if record.after is not None else record.trigger.window
        store.record_reading(
            "grm.recalibration",
            window,
            None,
            alarm=True,
            details={
                "remedy": record.remedy,
                "params": record.params,
                "alarms": list(record.alarms),
                "before": record.trigger.to_dict(),
                "after": record.after.to_dict() if record.after is not None else None,
            },
            run_id=run_id,
        )

    return sink


def judge_call_sink(store: EpisodeStore) -> Callable[[JudgeCall], None]:
    def sink(call: JudgeCall) -> None:
        store.record_judge_call(
            model=call.model,
            template_version=call.template,
            prompt_hash=call.inputs_hash,
            request={"kind": call.kind, "prompt": call.prompt},
            response={"raw": call.raw, "verdict": call.verdict, "cached": call.cached,
                      "attempts": call.attempts},
            status=call.status,
            latency_s=call.latency_s,
            error=call.error or None,
        )  # fmt: skip

    return sink


def grm_gauges(store: EpisodeStore) -> dict[str, float]:
    """The monitor's latest readings and alarm count, as metric gauges.

    ``m1env_grm_<metric>`` for each stored ``grm.<metric>`` (latest window),
    ``m1env_grm_alarm`` (1 when the latest window raised an alarm) and
    ``m1env_grm_alarms_total`` (windows that raised one, over the store's history).
    """
    latest = store.latest_readings("grm.")
    gauges = {
        f"m1env_grm_{metric.removeprefix('grm.')}": value
        for metric, (value, _) in latest.items()
        if value is not None and metric != "grm.recalibration"
    }
    gauges["m1env_grm_alarm"] = float(latest.get("grm.mean_reward", (None, False))[1])
    gauges["m1env_grm_alarms_total"] = float(store.alarm_count("grm.mean_reward"))
    gauges["m1env_grm_recalibrations_total"] = float(store.alarm_count("grm.recalibration"))
    return gauges
