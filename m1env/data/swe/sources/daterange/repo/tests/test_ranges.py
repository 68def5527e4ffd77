from datetime import date

import pytest

from daterange import DateRange, monthly, parse_range


def test_length_and_iteration():
    r = parse_range("2024-02-27..2024-03-01")
    assert len(r) == 4
    assert list(r)[-1] == date(2024, 3, 1) and date(2024, 2, 29) in r


def test_single_day_and_bad_range():
    assert len(parse_range("2024-01-01")) == 1
    with pytest.raises(ValueError):
        parse_range("2024-01-02..2024-01-01")
    with pytest.raises(ValueError):
        parse_range("2024-02-30")


def test_intersection():
    a = parse_range("2024-01-01..2024-01-10")
    assert a.intersection(parse_range("2024-01-05..2024-02-01")) == parse_range(
        "2024-01-05..2024-01-10"
    )
    assert a.intersection(parse_range("2024-03-01..2024-03-02")) is None


def test_weeks():
    weeks = DateRange(date(2024, 1, 1), date(2024, 1, 16)).weeks()
    assert [len(w) for w in weeks] == [7, 7, 2]


def test_monthly_mid_month():
    assert monthly(date(2024, 11, 15), 3) == [
        date(2024, 11, 15),
        date(2024, 12, 15),
        date(2025, 1, 15),
    ]
