"""The Money value type."""

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from money.currency import get_currency
from money.errors import CurrencyMismatch, MoneyError


def _to_decimal(value):
    if isinstance(value, float):
        raise MoneyError("floats are not exact: pass a str, int or Decimal")
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError):
        raise MoneyError(f"not an amount: {value!r}") from None


class Money:
    """An amount of one currency, always held in whole minor units.

    Amounts with more decimals than the currency has are rounded to the nearest minor
    unit, halves away from zero (commercial rounding): ``Money("0.125", "USD")`` is
    ``0.13 USD``. Multiplying by a number rounds the same way.
    """

    __slots__ = ("amount", "currency")

    def __init__(self, amount, currency):
        self.currency = get_currency(currency) if isinstance(currency, str) else currency
        self.amount = self._round(_to_decimal(amount))

    def _round(self, value):
        return value.quantize(self.currency.quantum, rounding=ROUND_HALF_EVEN)

    @classmethod
    def from_minor(cls, units, currency):
        """``Money.from_minor(1999, "USD")`` is ``19.99 USD``."""
        cur = get_currency(currency) if isinstance(currency, str) else currency
        return cls(Decimal(units).scaleb(-cur.minor_units), cur)

    @property
    def minor(self):
        """The amount as an integer count of minor units."""
        return int(self.amount.scaleb(self.currency.minor_units))

    def _same(self, other):
        if not isinstance(other, Money):
            return NotImplemented
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency.code} vs {other.currency.code}")
        return other

    def __add__(self, other):
        other = self._same(other)
        if other is NotImplemented:
            return other
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other):
        other = self._same(other)
        if other is NotImplemented:
            return other
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self):
        return Money(-self.amount, self.currency)

    def __mul__(self, factor):
        if isinstance(factor, Money):
            return NotImplemented
        return Money(self.amount * _to_decimal(factor), self.currency)

    __rmul__ = __mul__

    def __eq__(self, other):
        if not isinstance(other, Money):
            return NotImplemented
        return self.currency == other.currency and self.amount == other.amount

    def __lt__(self, other):
        other = self._same(other)
        if other is NotImplemented:
            return other
        return self.amount < other.amount

    def __hash__(self):
        return hash((self.amount, self.currency))

    def __repr__(self):
        return f"Money({str(self.amount)!r}, {self.currency.code!r})"

    def __str__(self):
        return f"{self.amount} {self.currency.code}"
