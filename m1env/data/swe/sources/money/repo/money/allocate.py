"""Splitting an amount by ratios without losing or inventing a minor unit."""

from money.amount import Money
from money.errors import MoneyError


def allocate(total, ratios):
    """Split ``total`` in proportion to ``ratios``; the parts sum to ``total`` exactly.

    Leftover minor units go one each to the first parts, so ``allocate(10.00 USD,
    [1, 1, 1])`` is ``[3.34, 3.33, 3.33]``.
    """
    ratios = list(ratios)
    if not ratios or any(r < 0 for r in ratios) or sum(ratios) == 0:
        raise MoneyError("ratios must be non-negative and not all zero")
    units = total.minor
    weight = sum(ratios)
    shares = [units * r // weight for r in ratios]
    # Floor division leaves 0 <= leftover < len(ratios) units, even for negative totals.
    for i in range(units - sum(shares)):
        shares[i] += 1
    return [Money.from_minor(s, total.currency) for s in shares]
