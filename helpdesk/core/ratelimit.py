"""Fixed-window rate limits on the shared cache (Redis in production).

``cache.add`` creates the counter with the window as its lifetime only if it does not exist,
and ``cache.incr`` is atomic in Redis and in the local-memory cache, so concurrent requests
from several web processes are counted exactly: no read-modify-write race.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)


def _cache_key(scope: str, identifier: str) -> str:
    # Hashed: identifiers are mail addresses and IPs, which must not leak into cache keys
    # verbatim, and may contain characters some cache backends refuse.
    digest = hashlib.sha256(identifier.strip().lower().encode()).hexdigest()
    return f"ratelimit:{scope}:{digest}"


def rate_limit_consume(*, scope: str, identifier: str, limit: int, window_seconds: int) -> bool:
    """Count one use of ``identifier`` in ``scope``; False when that use is over ``limit``.

    The window starts at the first use and lasts ``window_seconds``. With the cache down the
    use is allowed (fail open) and logged: a limit exists to stop floods, and refusing every
    inquiry and acknowledgement while Redis restarts would do the flood's work for it.
    """
    key = _cache_key(scope, identifier)
    try:
        cache.add(key, 0, timeout=window_seconds)
        try:
            count = cache.incr(key)
        except ValueError:
            # The counter expired between add and incr: this use opens a new window.
            cache.add(key, 1, timeout=window_seconds)
            count = 1
    except Exception as error:
        # Any backend's connection error (redis-py's ConnectionError, TimeoutError, ...):
        # there is no common base class to name.
        logger.warning(
            "rate limit %s not checked, the cache is unavailable (%s); allowing",
            scope,
            type(error).__name__,
        )
        return True
    return count <= limit


def rate_limits_consume(
    *, scope: str, identifiers: Sequence[str], limit: int, window_seconds: int
) -> list[bool]:
    """``rate_limit_consume`` for several uses at once, counted in order (an identifier may
    come more than once): one round trip on Redis instead of three per use."""
    backend = caches[DEFAULT_CACHE_ALIAS]  # ``cache`` is a proxy: isinstance cannot see through
    if not isinstance(backend, RedisCache):
        return [
            rate_limit_consume(
                scope=scope, identifier=identifier, limit=limit, window_seconds=window_seconds
            )
            for identifier in identifiers
        ]
    keys = [
        cache.make_and_validate_key(_cache_key(scope, identifier)) for identifier in identifiers
    ]
    try:
        # Django's cache API has no atomic increment of a key that may not exist yet, so this
        # talks to Redis itself: INCR creates a counter at 1, and EXPIRE ... NX gives it the
        # window only when it has none, so the window still starts at the first use. Both
        # commands are atomic and interleave safely with ``rate_limit_consume``'s.
        pipeline = backend._cache.get_client(write=True).pipeline(transaction=False)
        for key in keys:
            pipeline.incr(key)
            pipeline.expire(key, window_seconds, nx=True)
        counts = pipeline.execute()[::2]
    except Exception as error:  # as rate_limit_consume: fail open
        logger.warning(
            "rate limit %s not checked, the cache is unavailable (%s); allowing",
            scope,
            type(error).__name__,
        )
        return [True] * len(identifiers)
    return [count <= limit for count in counts]


def rate_limit_reset(*, scope: str, identifier: str) -> None:
    try:
        cache.delete(_cache_key(scope, identifier))
    except Exception as error:  # as above: the limit simply expires later
        logger.warning("rate limit %s not reset: %s", scope, type(error).__name__)
