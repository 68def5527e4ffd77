"""The LRU cache."""

from collections import OrderedDict

from lrucache.stats import CacheStats

_MISSING = object()


class LRUCache:
    """A mapping of at most ``maxsize`` entries that evicts the least recently used one.

    Both ``get`` (a hit) and ``put`` count as a use. ``peek`` and ``in`` do not.
    """

    def __init__(self, maxsize=128):
        if not isinstance(maxsize, int) or maxsize < 1:
            raise ValueError(f"maxsize must be a positive int, got {maxsize!r}")
        self.maxsize = maxsize
        self.stats = CacheStats()
        self._data = OrderedDict()  # least recently used first

    def get(self, key, default=None):
        value = self._data.get(key, _MISSING)
        if value is _MISSING:
            self.stats.misses += 1
            return default
        self.stats.hits += 1
        return value

    def peek(self, key, default=None):
        """The value without counting a use or a hit."""
        return self._data.get(key, default)

    def put(self, key, value):
        if key in self._data:
            self._data.move_to_end(key)
        self._data[key] = value
        while len(self._data) > self.maxsize:
            self._data.popitem(last=False)
            self.stats.evictions += 1

    def pop(self, key, default=_MISSING):
        if default is _MISSING:
            return self._data.pop(key)
        return self._data.pop(key, default)

    def clear(self):
        self._data.clear()

    def keys(self):
        """Keys from least to most recently used."""
        return list(self._data)

    def __contains__(self, key):
        return key in self._data

    def __len__(self):
        return len(self._data)
