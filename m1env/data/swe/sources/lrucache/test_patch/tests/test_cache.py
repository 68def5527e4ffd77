import pytest

from lrucache import LRUCache


def test_put_and_get():
    c = LRUCache(2)
    c.put("a", 1)
    assert c.get("a") == 1 and c.get("zz", "dflt") == "dflt"
    assert (c.stats.hits, c.stats.misses) == (1, 1)


def test_evicts_oldest_insert():
    c = LRUCache(2)
    for k in "abc":
        c.put(k, k.upper())
    assert c.keys() == ["b", "c"] and c.stats.evictions == 1


def test_put_existing_refreshes():
    c = LRUCache(2)
    c.put("a", 1)
    c.put("b", 2)
    c.put("a", 10)
    c.put("c", 3)
    assert "b" not in c and c.peek("a") == 10


def test_peek_is_not_a_use():
    c = LRUCache(2)
    c.put("a", 1)
    c.put("b", 2)
    assert c.peek("a") == 1
    c.put("c", 3)
    assert "a" not in c and c.stats.hits == 0


@pytest.mark.parametrize("size", [0, -1, 1.5])
def test_bad_size(size):
    with pytest.raises(ValueError):
        LRUCache(size)


def test_get_is_a_use():
    c = LRUCache(2)
    c.put("a", 1)
    c.put("b", 2)
    assert c.get("a") == 1
    c.put("c", 3)
    assert "a" in c and "b" not in c
    assert c.keys() == ["a", "c"]


def test_miss_does_not_change_order():
    c = LRUCache(2)
    c.put("a", 1)
    c.put("b", 2)
    c.get("missing")
    assert c.keys() == ["a", "b"]
