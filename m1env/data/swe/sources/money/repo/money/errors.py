"""Exceptions raised by the money package."""


class MoneyError(ValueError):
    """Base class of every error in this package."""


class UnknownCurrency(MoneyError):
    """The currency code is not in the registry."""


class CurrencyMismatch(MoneyError):
    """An operation mixed two currencies."""
