"""Inclusive date ranges, month arithmetic and monthly schedules."""

from daterange.months import add_months, days_in_month, end_of_month
from daterange.parse import parse_date, parse_range
from daterange.ranges import DateRange, monthly

__all__ = [
    "DateRange",
    "add_months",
    "days_in_month",
    "end_of_month",
    "monthly",
    "parse_date",
    "parse_range",
]
