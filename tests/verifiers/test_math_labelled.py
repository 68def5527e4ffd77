"""The benchmark's labelled pairs double as a regression test of every format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from m1env.verifiers.math import MathVerifier

PAIRS = Path(__file__).resolve().parents[2] / "bench" / "data" / "math_pairs.jsonl"
ROWS = [json.loads(line) for line in PAIRS.read_text().splitlines() if line.strip()]


def test_the_labelled_set_is_large_and_balanced():
    assert len(ROWS) >= 300
    assert len({r["id"] for r in ROWS}) == len(ROWS)
    negatives = sum(not r["label"] for r in ROWS)
    assert negatives >= 100
    assert len({r["category"] for r in ROWS}) >= 20


@pytest.mark.parametrize("row", ROWS, ids=[r["id"] for r in ROWS])
def test_labelled_pair(row):
    score = MathVerifier().check(row["response"], row["reference"], **row.get("options", {}))
    assert (score.status == "correct") == row["label"], score.reason


def test_the_lenient_preset_has_no_false_positive_on_the_labelled_set():
    v = MathVerifier()
    wrong = [
        r["id"]
        for r in ROWS
        if not r["label"]
        and v.check(r["response"], r["reference"], preset="lenient", **r.get("options", {})).status
        == "correct"
    ]
    assert wrong == []
