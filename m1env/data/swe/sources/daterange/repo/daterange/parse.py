"""Parsing ``YYYY-MM-DD`` dates and ``start..end`` ranges."""

import re
from datetime import date

from daterange.ranges import DateRange

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_date(text):
    m = _DATE.match(text.strip())
    if not m:
        raise ValueError(f"not a YYYY-MM-DD date: {text!r}")
    try:
        return date(*map(int, m.groups()))
    except ValueError as exc:
        raise ValueError(f"{text!r}: {exc}") from None


def parse_range(text):
    """``"2024-01-01..2024-01-31"``; a single date is a one-day range."""
    start, sep, end = text.partition("..")
    first = parse_date(start)
    return DateRange(first, parse_date(end) if sep else first)
