"""Django's Redis cache, except that an unreachable Redis is a cache miss, not a server error.

The cache only speeds pages up and counts failed log-ins; while Redis is down (restarting, or the network to it
cut) judges must still log in and submit, and the public pages must still render, uncached. Each miss is logged.
"""

import functools
import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError, TimeoutError

logger = logging.getLogger(__name__)


def _unless_unreachable(fallback):
    """Call the cache method; when Redis cannot be reached, log it and return fallback(*args, **kwargs)."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except (ConnectionError, TimeoutError) as error:
                logger.warning("Cache unreachable (%s): %s", method.__name__, error)
                return fallback(*args, **kwargs)

        return wrapper

    return decorate


class ForgivingRedisCache(RedisCache):
    get = _unless_unreachable(lambda key, default=None, version=None: default)(RedisCache.get)
    get_many = _unless_unreachable(lambda keys, version=None: {})(RedisCache.get_many)
    has_key = _unless_unreachable(lambda key, version=None: False)(RedisCache.has_key)
    set = _unless_unreachable(lambda *args, **kwargs: None)(RedisCache.set)
    set_many = _unless_unreachable(lambda data, *args, **kwargs: list(data))(RedisCache.set_many)
    # "Added": so a caller does not go on to incr() a key that could not be stored either.
    add = _unless_unreachable(lambda *args, **kwargs: True)(RedisCache.add)
    touch = _unless_unreachable(lambda *args, **kwargs: False)(RedisCache.touch)
    incr = _unless_unreachable(lambda key, delta=1, version=None: delta)(RedisCache.incr)
    delete = _unless_unreachable(lambda key, version=None: False)(RedisCache.delete)
    delete_many = _unless_unreachable(lambda keys, version=None: None)(RedisCache.delete_many)
    clear = _unless_unreachable(lambda: False)(RedisCache.clear)
