"""The currency registry: ISO 4217 codes and how many minor units each one has."""

from dataclasses import dataclass
from decimal import Decimal

from money.errors import UnknownCurrency


@dataclass(frozen=True)
class Currency:
    code: str
    minor_units: int

    @property
    def quantum(self):
        """The smallest amount: ``Decimal("0.01")`` for two minor units."""
        return Decimal(1).scaleb(-self.minor_units)


_REGISTRY = {
    c.code: c
    for c in (
        Currency("USD", 2),
        Currency("EUR", 2),
        Currency("GBP", 2),
        Currency("JPY", 0),
        Currency("KWD", 3),
    )
}


def get_currency(code):
    """The currency for an ISO code, case-insensitively."""
    try:
        return _REGISTRY[code.upper()]
    except KeyError:
        raise UnknownCurrency(f"unknown currency {code!r}") from None
