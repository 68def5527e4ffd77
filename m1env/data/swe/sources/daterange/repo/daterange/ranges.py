"""The DateRange type and monthly schedules."""

from datetime import timedelta

from daterange.months import add_months


class DateRange:
    """All days from ``start`` to ``end``, both included."""

    __slots__ = ("end", "start")

    def __init__(self, start, end):
        if end < start:
            raise ValueError(f"range ends ({end}) before it starts ({start})")
        self.start = start
        self.end = end

    def __len__(self):
        return (self.end - self.start).days + 1

    def __iter__(self):
        for i in range(len(self)):
            yield self.start + timedelta(days=i)

    def __contains__(self, d):
        return self.start <= d <= self.end

    def __eq__(self, other):
        if not isinstance(other, DateRange):
            return NotImplemented
        return (self.start, self.end) == (other.start, other.end)

    def __hash__(self):
        return hash((self.start, self.end))

    def __repr__(self):
        return f"DateRange({self.start.isoformat()}..{self.end.isoformat()})"

    def overlaps(self, other):
        return self.start <= other.end and other.start <= self.end

    def intersection(self, other):
        """The common days, or None when the ranges do not overlap."""
        if not self.overlaps(other):
            return None
        return DateRange(max(self.start, other.start), min(self.end, other.end))

    def weeks(self):
        """Consecutive 7-day ranges covering this one (the last may be shorter)."""
        out = []
        start = self.start
        while start <= self.end:
            end = min(start + timedelta(days=6), self.end)
            out.append(DateRange(start, end))
            start = end + timedelta(days=1)
        return out


def monthly(start, count):
    """``count`` dates one calendar month apart, starting with ``start``.

    Every date keeps the day of ``start`` where the month has it, otherwise it is that
    month's last day: a schedule starting on the 31st stays on month ends.
    """
    if count < 0:
        raise ValueError("count must be >= 0")
    dates = []
    current = start
    for _ in range(count):
        dates.append(current)
        current = add_months(current, 1)
    return dates
