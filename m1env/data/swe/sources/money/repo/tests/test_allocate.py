import pytest

from money import Money, MoneyError, allocate


def test_even_split_keeps_every_cent():
    parts = allocate(Money("10.00", "USD"), [1, 1, 1])
    assert [str(p) for p in parts] == ["3.34 USD", "3.33 USD", "3.33 USD"]


def test_weighted_split():
    parts = allocate(Money("100", "JPY"), [3, 1])
    assert parts == [Money(75, "JPY"), Money(25, "JPY")]


def test_negative_total():
    parts = allocate(Money("-0.05", "EUR"), [1, 1])
    assert sum((p for p in parts), Money(0, "EUR")) == Money("-0.05", "EUR")


def test_bad_ratios():
    with pytest.raises(MoneyError):
        allocate(Money("1", "USD"), [0, 0])
