from decimal import Decimal

import pytest

from money import CurrencyMismatch, Money, MoneyError


def test_exact_amounts_are_kept():
    assert str(Money("19.99", "USD")) == "19.99 USD"
    assert str(Money(5, "JPY")) == "5 JPY"


def test_floats_are_refused():
    with pytest.raises(MoneyError):
        Money(0.1, "USD")


def test_arithmetic():
    assert Money("1.10", "EUR") + Money("2.25", "EUR") == Money("3.35", "EUR")
    assert Money("1.10", "EUR") - Money("2.25", "EUR") == Money("-1.15", "EUR")
    assert 3 * Money("1.10", "EUR") == Money("3.30", "EUR")


def test_mixing_currencies():
    with pytest.raises(CurrencyMismatch):
        Money("1", "EUR") + Money("1", "USD")


def test_minor_units():
    assert Money("19.99", "USD").minor == 1999
    assert Money.from_minor(1234, "KWD").amount == Decimal("1.234")


def test_ordering():
    assert sorted([Money("2", "GBP"), Money("1.5", "GBP")])[0] == Money("1.50", "GBP")


@pytest.mark.parametrize(
    ("raw", "code", "expected"),
    [
        ("0.125", "USD", "0.13"),
        ("-0.125", "USD", "-0.13"),
        ("2.5", "JPY", "3"),
        ("1.0005", "KWD", "1.001"),
        ("0.124", "USD", "0.12"),
    ],
)
def test_halves_round_away_from_zero(raw, code, expected):
    assert Money(raw, code).amount == Decimal(expected)


def test_multiplication_rounds_half_up():
    # 10.00 * 1.25% = 0.125: a sales-tax line must come out at 0.13.
    assert Money("10.00", "USD") * Decimal("0.0125") == Money("0.13", "USD")
