"""Operations on lists of closed intervals ``(start, end)`` with ``start <= end``."""


def _check(intervals):
    for start, end in intervals:
        if start > end:
            raise ValueError(f"bad interval ({start}, {end})")


def merge(intervals):
    """Merge overlapping or touching intervals; the result is sorted."""
    _check(intervals)
    out = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def total_length(intervals):
    """The length covered by the union of the intervals."""
    return sum(end - start for start, end in merge(intervals))
