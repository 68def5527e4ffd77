"""Exact money amounts in a currency's minor units, with fair allocation."""

from money.allocate import allocate
from money.amount import Money
from money.currency import Currency, get_currency
from money.errors import CurrencyMismatch, MoneyError, UnknownCurrency

__all__ = [
    "Currency",
    "CurrencyMismatch",
    "Money",
    "MoneyError",
    "UnknownCurrency",
    "allocate",
    "get_currency",
]
