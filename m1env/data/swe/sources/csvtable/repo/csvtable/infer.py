"""Column type inference: the narrowest of bool, int, float and str that fits."""

_TRUE = {"true", "yes"}
_FALSE = {"false", "no"}


def parse_value(text, kind):
    """``text`` as a ``kind``; raises ValueError when it does not fit."""
    if kind is bool:
        low = text.lower()
        if low in _TRUE or low in _FALSE:
            return low in _TRUE
        raise ValueError(f"not a bool: {text!r}")
    if kind is int:
        return int(text)
    if kind is float:
        return float(text)
    return text


def _fits(text, kind):
    try:
        parse_value(text, kind)
    except ValueError:
        return False
    return True


def infer_type(values):
    """The narrowest type every value of a column parses as.

    Blank cells are missing values: they do not take part in inference (a column of
    numbers with gaps is still numeric) and read back as None.
    """
    for kind in (bool, int, float):
        if values and all(_fits(v, kind) for v in values):
            return kind
    return str
