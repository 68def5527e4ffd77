from __future__ import annotations

import json
import subprocess
import sys

import pytest

from m1env.grm.testing import FakeChatServer
from m1env.verifiers import get_verifier


def test_judge_verifier_through_the_registry(monkeypatch):
    with FakeChatServer(lambda req: "<score>10</score>") as server:
        monkeypatch.setenv("M1ENV_JUDGE_URL", server.base_url)
        verifier = get_verifier("judge", max_retries=0)
        ok = verifier.verify("Paris", {"question": "Capital of France?", "reference": "Paris"})
        assert ok.status == "correct" and ok.score == 1.0
        missing = verifier.verify("Paris", "Paris")
        assert missing.status == "error" and "question" in missing.reason
        bad = verifier.verify("Paris", "Paris", bogus=1)
        assert bad.status == "error" and "bogus" in bad.reason


def test_judge_verifier_unconfigured_is_an_error(monkeypatch):
    monkeypatch.delenv("M1ENV_JUDGE_URL", raising=False)
    score = get_verifier("judge", max_retries=0).verify("x", {"question": "q"})
    assert score.status == "error" and "not configured" in score.reason


def test_grm_simulate_cli_fires_and_recalibrates(tmp_path):
    out = tmp_path / "sim"
    proc = subprocess.run(
        [sys.executable, "-m", "m1env", "grm", "simulate", "--steps", "14", "--prompts", "6",
         "--out", str(out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "alarm raised at window" in proc.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["alarm_window"] is not None and summary["alarms"]
    assert summary["corr_before"] > 0.1
    assert abs(summary["corr_after"]) < 0.15
    assert (out / "grm_monitor.png").stat().st_size > 10_000
    readings = [json.loads(line) for line in (out / "readings.jsonl").read_text().splitlines()]
    assert len(readings) == 14
    from m1env.store import EpisodeStore

    store = EpisodeStore(f"sqlite:///{out / 'm1env.db'}")
    alarms = store.readings(run_id="grm-simulate", alarms_only=True)
    assert any(r.metric == "grm.recalibration" for r in alarms)
    assert {r.window for r in alarms if r.metric == "grm.length_corr"} >= {summary["alarm_window"]}
    assert len(store.readings(metric="grm.mean_reward")) == 14


@pytest.mark.slow
@pytest.mark.parametrize("remedy", ["reanchor", "switch_template"])
def test_other_remedies_run(tmp_path, remedy):
    proc = subprocess.run(
        [sys.executable, "-m", "m1env", "grm", "simulate", "--steps", "8", "--prompts", "4",
         "--remedy", remedy, "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["remedy"] == remedy or proc.returncode == 1
