from __future__ import annotations

import datetime as dt

import pytest

from m1env.envs.logic.date_arith import KINDS, DateArithConfig, parse_date, parse_datetime

from ._helpers import problems, score


def test_every_kind_appears_and_answers_recompute() -> None:
    seen = set()
    for p in problems("date_arith", (2, 6, 10), count=12):
        seen.add(p.metadata["kind"])
        ref = p.answer
        if ref["kind"] == "date":
            assert dt.date.fromisoformat(ref["answer"])
        elif ref["kind"] == "datetime":
            assert dt.datetime.fromisoformat(ref["answer"])
    assert seen == set(KINDS)


def test_leap_year_and_weekday_arithmetic() -> None:
    ref = {"kind": "date", "answer": "2024-03-01"}
    assert score("date_arith", "2024-3-1", ref).is_correct
    assert score("date_arith", "March 1, 2024", ref).is_correct
    assert score("date_arith", "1st Mar 2024", ref).is_correct
    assert score("date_arith", "2024/03/01", ref).is_correct
    s = score("date_arith", "2024-02-30", ref)
    assert s.status == "incorrect" and "not a valid date" in s.reason
    s = score("date_arith", "2024-02-29", ref)
    assert s.status == "incorrect" and "2024-02-29" in s.reason


def test_other_kinds() -> None:
    assert score("date_arith", "-17 days", {"kind": "days", "answer": -17}).is_correct
    assert not score("date_arith", "17", {"kind": "days", "answer": -17}).is_correct
    assert score("date_arith", "wed", {"kind": "weekday", "answer": "Wednesday"}).is_correct
    assert (
        "not a weekday"
        in score("date_arith", "Wedday", {"kind": "weekday", "answer": "Wednesday"}).reason
    )
    ref = {"kind": "datetime", "answer": "2001-01-01 00:05"}
    assert score("date_arith", "2001-01-01T00:05:00", ref).is_correct
    assert "not a valid time" in score("date_arith", "2001-01-01 24:05", ref).reason
    assert not score("date_arith", "2001-01-01 00:06", ref).is_correct


def test_generated_references_match_a_recomputation() -> None:
    for p in problems("date_arith", (4,), count=10):
        if p.metadata["kind"] == "between":
            start, end = (
                dt.date.fromisoformat(x)
                for x in p.question.split("from ")[1].split("?")[0].split(" to ")
            )
            assert (end - start).days == p.answer["answer"]


def test_parsers() -> None:
    assert parse_date("5 march 2024") == dt.date(2024, 3, 5)
    assert parse_datetime("2024-03-05 7:05") == dt.datetime(2024, 3, 5, 7, 5)
    with pytest.raises(ValueError):
        parse_date("Smarch 5, 2024")


def test_config_validation() -> None:
    with pytest.raises(ValueError):
        DateArithConfig(kinds=("nope",))
    with pytest.raises(ValueError):
        DateArithConfig(max_days=0)
