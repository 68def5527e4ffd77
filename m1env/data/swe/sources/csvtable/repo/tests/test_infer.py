import pytest

from csvtable import infer_type, parse_value


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["1", "2", "-3"], int),
        (["1", "2.5"], float),
        (["yes", "False"], bool),
        (["1", "x"], str),
        ([], str),
    ],
)
def test_infer(values, kind):
    assert infer_type(values) is kind


def test_parse_value():
    assert parse_value("Yes", bool) is True
    with pytest.raises(ValueError):
        parse_value("maybe", bool)
