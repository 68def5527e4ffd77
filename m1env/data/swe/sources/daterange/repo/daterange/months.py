"""Calendar-month arithmetic."""

import calendar


def days_in_month(year, month):
    return calendar.monthrange(year, month)[1]


def end_of_month(d):
    return d.replace(day=days_in_month(d.year, d.month))


def add_months(d, n):
    """``d`` moved by ``n`` calendar months (``n`` may be negative).

    A day that does not exist in the target month is clamped to its last day:
    January 31 plus one month is February 28 (29 in leap years).
    """
    years, month0 = divmod(d.month - 1 + n, 12)
    return d.replace(year=d.year + years, month=month0 + 1)
