"""A least-recently-used cache with statistics, and a memoizing decorator on top."""

from lrucache.cache import LRUCache
from lrucache.decorators import memoize
from lrucache.keys import make_key
from lrucache.stats import CacheStats

__all__ = ["CacheStats", "LRUCache", "make_key", "memoize"]
