"""Hashable cache keys from call arguments."""

_KWMARK = object()


def make_key(args, kwargs):
    """A key equal for equal calls; keyword order does not matter, ``f(1)`` != ``f(x=1)``."""
    key = tuple(args)
    if kwargs:
        key += (_KWMARK, *sorted(kwargs.items()))
    try:
        hash(key)
    except TypeError:
        raise TypeError("memoized arguments must be hashable") from None
    return key
