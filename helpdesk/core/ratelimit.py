"""Fixed-window rate limits on the shared cache (Redis in production).

``cache.add`` creates the counter with the window as its lifetime only if it does not exist,
and ``cache.incr`` is atomic in Redis and in the local-memory cache, so concurrent requests
from several web processes are counted exactly: no read-modify-write race.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.cache import cache

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


def rate_limit_reset(*, scope: str, identifier: str) -> None:
    try:
        cache.delete(_cache_key(scope, identifier))
    except Exception as error:  # as above: the limit simply expires later
        logger.warning("rate limit %s not reset: %s", scope, type(error).__name__)
