from decimal import Decimal

import pytest

from money import UnknownCurrency, get_currency


def test_lookup_is_case_insensitive():
    assert get_currency("eur") is get_currency("EUR")


def test_quantum():
    assert get_currency("USD").quantum == Decimal("0.01")
    assert get_currency("JPY").quantum == Decimal("1")
    assert get_currency("KWD").quantum == Decimal("0.001")


def test_unknown():
    with pytest.raises(UnknownCurrency):
        get_currency("XYZ")
