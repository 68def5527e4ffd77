import pytest

from lrucache import make_key, memoize


def test_results_are_cached():
    calls = []

    @memoize(maxsize=4)
    def square(x):
        calls.append(x)
        return x * x

    assert [square(3), square(3), square(4)] == [9, 9, 16]
    assert calls == [3, 4]
    assert square.cache.stats.hit_rate == pytest.approx(1 / 3)


def test_cache_clear():
    @memoize()
    def ident(x):
        return x

    ident(1)
    ident.cache_clear()
    assert len(ident.cache) == 0 and ident.cache.stats.misses == 0


def test_keys():
    assert make_key((1,), {"b": 2, "a": 1}) == make_key((1,), {"a": 1, "b": 2})
    assert make_key((1,), {}) != make_key((), {"x": 1})
    with pytest.raises(TypeError):
        make_key(([],), {})
