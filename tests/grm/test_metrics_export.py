"""Monitor alarms stored in SQL are exported by the scoring service's /metrics."""

from __future__ import annotations

import pytest

from m1env.grm import Monitor, MonitorConfig, Observation, Reading
from m1env.grm_sinks import grm_gauges, reading_sink
from m1env.store import EpisodeStore

pytest.importorskip("fastapi")


def _alarming_readings(store: EpisodeStore) -> list[Reading]:
    monitor = Monitor(MonitorConfig(window=8, min_groups=2), [reading_sink(store, "r1")])
    for i in range(16):  # within each group reward rises with length: an alarm each window
        group = f"g{i // 4}"
        monitor.observe(Observation(reward=0.1 * (i % 4), length=100 + 50 * (i % 4), group=group))
    return monitor.readings


def test_gauges_and_metrics_endpoint(tmp_path):
    from fastapi.testclient import TestClient

    from m1env.queue.config import QueueConfig
    from m1env.service.app import create_app
    from m1env.service.config import ServiceConfig

    url = f"sqlite:///{tmp_path / 'm.db'}"
    store = EpisodeStore(url)
    readings = _alarming_readings(store)
    assert len(readings) == 2 and all(r.alarms for r in readings)
    gauges = grm_gauges(store)
    assert gauges["m1env_grm_alarms_total"] == 2.0 and gauges["m1env_grm_alarm"] == 1.0
    assert gauges["m1env_grm_length_corr"] == pytest.approx(readings[-1].length_corr)

    app = create_app(ServiceConfig(workers=1, queue=QueueConfig(database_url=url)))
    with TestClient(app, base_url="http://localhost") as client:
        text = client.get("/metrics").text
    assert "m1env_grm_alarms_total 2.0" in text and "m1env_grm_alarm 1.0" in text
