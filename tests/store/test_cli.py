"""``m1env db``: upgrade, current, downgrade and accuracy, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from m1env.cli import main
from m1env.store import EpisodeStore, head
from m1env.task import Task, user_prompt
from m1env.verifiers.score import Score


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict], str]:
    code = main(["db", *argv])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_upgrade_current_downgrade(capsys: pytest.CaptureFixture[str], empty_url: str):
    url = empty_url
    code, lines, _ = run(capsys, "current", "--url", url)
    assert code == 0 and lines == [
        {"url": url, "revision": None, "head": head(), "up_to_date": False}
    ]
    code, lines, _ = run(capsys, "upgrade", "--url", url)
    assert code == 0 and lines[0]["revision"] == head() and lines[0]["up_to_date"]
    code, lines, _ = run(capsys, "downgrade", "base", "--url", url)
    assert code == 0 and lines[0]["revision"] is None
    code, lines, _ = run(capsys, "upgrade", "head", "--url", url)
    assert code == 0 and lines[0]["up_to_date"]


def test_accuracy_and_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'acc.db'}"
    task = Task("t", "m1env/Math-v0", user_prompt("q"), 1)
    with EpisodeStore(url) as store:
        store.record_episode(task, "1", Score.correct(), run_id="r")
        store.record_episode(task, "2", Score.incorrect("no"), run_id="r")
    code, lines, _ = run(capsys, "accuracy", "--url", url, "--by", "run")
    assert code == 0
    assert lines == [
        {
            "by": "run",
            "key": "r",
            "episodes": 2,
            "correct": 1,
            "incorrect": 1,
            "errors": 0,
            "mean_reward": 0.5,
            "mean_response_chars": 1.0,
            "accuracy": 0.5,
            "error_rate": 0.0,
        }
    ]
    code, lines, err = run(capsys, "upgrade", "--url", "mysql://u:pw@h/db")
    assert code == 1 and lines == [] and "unsupported database 'mysql'" in err
    assert "pw" not in err
    code, _, err = run(capsys, "downgrade", "nonexistent", "--url", url)
    assert code == 1 and "nonexistent" in err


def test_help_from_the_installed_command():
    done = subprocess.run(
        [sys.executable, "-m", "m1env.cli", "db", "upgrade", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and "--url" in done.stdout
