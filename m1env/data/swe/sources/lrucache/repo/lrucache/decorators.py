"""``@memoize``: cache a function's results in an LRUCache."""

import functools

from lrucache.cache import LRUCache
from lrucache.keys import make_key

_MISSING = object()


def memoize(maxsize=128):
    """Cache results by arguments; the wrapper has ``.cache`` and ``.cache_clear()``."""

    def decorate(func):
        cache = LRUCache(maxsize)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            key = make_key(args, kwargs)
            result = cache.get(key, _MISSING)
            if result is _MISSING:
                result = func(*args, **kwargs)
                cache.put(key, result)
            return result

        def cache_clear():
            cache.clear()
            cache.stats.reset()

        wrapper.cache = cache
        wrapper.cache_clear = cache_clear
        return wrapper

    return decorate
