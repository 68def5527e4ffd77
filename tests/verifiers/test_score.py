from __future__ import annotations

import json
import math

import pytest

from m1env.verifiers import Score


def test_constructors_and_round_trip():
    s = Score.correct(extracted="42")
    assert (s.score, s.status, s.details) == (1.0, "correct", {"extracted": "42"})
    assert Score.from_dict(json.loads(json.dumps(s.to_dict()))) == s
    e = Score.error("time limit")
    assert e.score == 0.0 and e.status == "error" and not e.is_correct


@pytest.mark.parametrize("value", [-0.1, 1.5, math.nan, math.inf, "x", None])
def test_score_out_of_range_is_rejected(value):
    with pytest.raises(ValueError):
        Score(value, "correct")


def test_status_must_be_known():
    with pytest.raises(ValueError, match="status"):
        Score(1.0, "maybe")  # type: ignore[arg-type]


def test_from_dict_names_missing_fields():
    with pytest.raises(ValueError, match="status"):
        Score.from_dict({"score": 1.0})
