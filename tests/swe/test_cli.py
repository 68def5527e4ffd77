"""``m1env swe validate`` and ``m1env swe evaluate`` on the bundled tasks and broken copies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from m1env.cli import main
from tests.swe.helpers import TASKS


def _records() -> list[dict]:
    return [json.loads(line) for line in TASKS.read_text().splitlines() if line.strip()]


def test_validate_bundled_tasks_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "report.json"
    assert main(["swe", "validate", str(TASKS), "--report", str(report)]) == 0
    out = capsys.readouterr().out
    rows = json.loads(report.read_text())["rows"]
    assert len(rows) == len(_records()) and all(not r["problems"] for r in rows)
    assert all(r["gold"] == 1.0 and r["empty"] == 0.0 for r in rows)
    assert f"{len(rows)}/{len(rows)} tasks valid" in out


def test_validate_lists_broken_tasks_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, other = _records()[:2]
    no_fix = dict(good, instance_id="broken-gold", patch="")
    # Tests already pass at base: the "fix" is applied to the files, so the empty patch resolves.
    already = dict(other, instance_id="already-fixed", patch=other["patch"])
    from m1env.verifiers.swe import SWEInstance
    from m1env.verifiers.swe.patching import apply_patch, read_tree, write_tree

    inst = SWEInstance.from_dict(other)
    write_tree(tmp_path / "t", dict(inst.files))
    apply_patch(tmp_path / "t", inst.patch)
    already["files"] = {k: v.decode() for k, v in read_tree(tmp_path / "t").items()}
    already["patch"] = ""
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text("".join(json.dumps(r) + "\n" for r in (good, no_fix, already)))
    assert main(["swe", "validate", str(tasks)]) == 1
    captured = capsys.readouterr()
    assert "1/3 tasks valid" in captured.out
    assert "broken-gold: no gold patch" in captured.err
    assert "already-fixed:" in captured.err and "empty patch: correct" in captured.err
    assert good["instance_id"] + ":" not in captured.err


def test_validate_bad_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"repo": "x"}\n')
    assert main(["swe", "validate", str(bad)]) == 2
    assert "instance_id" in capsys.readouterr().err


def test_evaluate_predictions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = _records()[:2]
    preds = tmp_path / "preds.jsonl"
    preds.write_text(
        json.dumps({"instance_id": first["instance_id"], "model_patch": first["patch"]}) + "\n"
        + json.dumps({"instance_id": second["instance_id"], "model_patch": ""}) + "\n"
    )  # fmt: skip
    assert main(["swe", "evaluate", str(TASKS), str(preds)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["resolved_ids"] == [first["instance_id"]]
    assert summary["empty_patch_ids"] == [second["instance_id"]]
