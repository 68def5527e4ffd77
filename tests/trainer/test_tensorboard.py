"""``--tensorboard``: scalars land in a real event file that TensorBoard's reader reads back;
without the package, a clear error names the extra."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from m1env.errors import TrainerConfigError
from m1env.trainer.metrics import TensorBoardWriter


def _scalars(logdir: Path) -> dict[str, list[tuple[int, float]]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(logdir))
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def test_records_are_written_as_scalars_and_read_back(tmp_path: Path) -> None:
    pytest.importorskip("tensorboard")
    board = TensorBoardWriter(tmp_path / "tb")
    board.write({"phase": "sft", "step": 20, "loss": 1.5, "grad_norm": 0.25})
    board.write({"phase": "rl", "step": 1, "reward": 0.25, "loss": -0.01, "truncated": True})
    board.write({"phase": "rl", "step": 2, "reward": 0.5, "logp_corr": float("nan")})
    board.write({"phase": "eval", "stage": "sft", "env": "trainer/Add-v0", "accuracy": 0.4})
    board.close()
    got = _scalars(tmp_path / "tb")
    assert got["sft/loss"] == [(20, 1.5)]
    assert got["rl/reward"] == [(1, 0.25), (2, 0.5)]
    assert got["rl/loss"][0][0] == 1 and got["rl/loss"][0][1] == pytest.approx(-0.01)
    assert got["eval/sft/trainer/Add-v0/accuracy"][0][1] == pytest.approx(0.4)
    # booleans, strings and NaN are not scalars
    assert "rl/truncated" not in got and "rl/logp_corr" not in got and "rl/phase" not in got


def test_train_cli_writes_tensorboard(tmp_path: Path) -> None:
    pytest.importorskip("tensorboard")
    from m1env.cli import main

    code = main(
        [
            "train",
            "sft",
            "--env",
            "trainer/Add-v0::1",
            "--steps",
            "1",
            "--out",
            str(tmp_path / "sft"),
            "--threads",
            "1",
        ]
    )
    assert code == 0
    code = main(
        [
            "train",
            "rl",
            "--init",
            str(tmp_path / "sft"),
            "--env",
            "trainer/Add-v0::1",
            "--steps",
            "2",
            "--prompts",
            "2",
            "--group-size",
            "2",
            "--max-new-tokens",
            "4",
            "--out",
            str(tmp_path / "rl"),
            "--threads",
            "1",
            "--device",
            "cpu",
            "--tensorboard",
            str(tmp_path / "tb"),
        ]
    )
    assert code == 0
    got = _scalars(tmp_path / "tb")
    assert [s for s, _ in got["rl/reward"]] == [1, 2]


def test_missing_tensorboard_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "tensorboard", None)  # what an absent package looks like
    with pytest.raises(TrainerConfigError, match=r"pip install 'm1env\[tensorboard\]'"):
        TensorBoardWriter(tmp_path / "tb")
