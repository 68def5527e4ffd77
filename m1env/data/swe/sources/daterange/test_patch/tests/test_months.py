from datetime import date

import pytest

from daterange import add_months, days_in_month, end_of_month


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2024, 1, 15), 1, date(2024, 2, 15)),
        (date(2024, 11, 3), 2, date(2025, 1, 3)),
        (date(2024, 1, 10), -1, date(2023, 12, 10)),
        (date(2024, 5, 20), 0, date(2024, 5, 20)),
        (date(2020, 6, 1), 48, date(2024, 6, 1)),
    ],
)
def test_add_months(start, n, expected):
    assert add_months(start, n) == expected


def test_month_lengths():
    assert days_in_month(2024, 2) == 29 and days_in_month(2023, 2) == 28
    assert end_of_month(date(2024, 4, 10)) == date(2024, 4, 30)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2024, 12, 31), 2, date(2025, 2, 28)),
        (date(2024, 5, 31), 1, date(2024, 6, 30)),
    ],
)
def test_add_months_clamps_to_month_end(start, n, expected):
    assert add_months(start, n) == expected
