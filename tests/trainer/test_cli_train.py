from __future__ import annotations

import json
from pathlib import Path

import pytest

from m1env.cli import main


def test_train_sft_then_rl_cli(tmp_path: Path, capsys) -> None:
    sft = tmp_path / "sft"
    args = ["train", "sft", "--env", "trainer/Add-v0::1", "--steps", "2", "--batch-size", "4"]
    assert main([*args, "--out", str(sft), "--threads", "1"]) == 0
    assert (sft / "model.safetensors").is_file()
    rl = tmp_path / "rl"
    code = main(
        [
            "train",
            "rl",
            "--init",
            str(sft),
            "--env",
            "trainer/Add-v0::1",
            "--steps",
            "1",
            "--prompts",
            "2",
            "--group-size",
            "2",
            "--max-new-tokens",
            "4",
            "--out",
            str(rl),
            "--threads",
            "1",
        ]
    )
    assert code == 0
    lines = (rl / "metrics.jsonl").read_text().splitlines()
    assert json.loads(lines[-1])["step"] == 1
    assert (rl / "checkpoints" / "step-1" / "optimizer.safetensors").is_file()
    capsys.readouterr()


def test_train_rejects_bad_input(tmp_path: Path, capsys) -> None:
    assert (
        main(
            [
                "train",
                "sft",
                "--env",
                "nope/Missing-v0",
                "--steps",
                "1",
                "--out",
                str(tmp_path / "x"),
            ]
        )
        == 2
    )
    assert "unknown environment" in capsys.readouterr().err
    assert main(["train", "--preset", "huge", "--out", str(tmp_path / "y")]) == 2
    with pytest.raises(SystemExit):
        main(["train", "sft", "--env", "a/B-v0:heavy", "--out", str(tmp_path)])


@pytest.mark.slow
def test_main_job_preset_learns(tmp_path: Path) -> None:
    """The README's first command: held-out accuracy after CISPO beats SFT alone."""
    from m1env.trainer.pipeline import run_preset
    from m1env.trainer.presets import get_preset

    summary = run_preset(get_preset(), tmp_path / "run", echo=lambda s: None)
    acc = {(row["stage"], row["env"]): row["accuracy"] for row in summary["table"]}
    assert acc["sft+cispo", "mean"] >= acc["sft", "mean"] + 0.1
    for env in ("trainer/Add-v0", "trainer/Sat-v1"):  # each task of the mixture improves
        assert acc["sft+cispo", env] > acc["sft", env], env
    assert (tmp_path / "run" / "reward_curve.png").is_file()
