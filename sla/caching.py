"""A value built from the database and kept in each process, rebuilt when it changes.

The business calendar and the SLA policies are read on every ticket change but edited
rarely. Each process keeps its own copy; whoever changes the rows calls ``invalidate``,
which bumps a version in the shared cache (Redis in production). A process asks for that
version at most once a ``check_seconds``, and rebuilds when it differs, or after ``ttl`` in
case the cache is per-process (as in development).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.core.cache import cache

T = TypeVar("T")
logger = logging.getLogger(__name__)
# Stands for "the shared cache did not answer": never equal to a real version.
_UNKNOWN = object()


@dataclass(frozen=True)
class _Built(Generic[T]):
    value: T
    version: str | None
    built_at: float


class ProcessCache(Generic[T]):
    def __init__(
        self,
        *,
        version_key: str,
        build: Callable[[], T],
        ttl: Callable[[], float],
        check_seconds: float = 1.0,
    ) -> None:
        self.version_key = version_key
        self.build = build
        self.ttl = ttl
        self.check_seconds = check_seconds
        self._lock = threading.Lock()
        self._built: _Built[T] | None = None
        self._checked_at = 0.0

    def get(self) -> T:
        now = time.monotonic()
        built = self._built
        if built is not None and now - self._checked_at < self.check_seconds:
            return built.value
        version = self._shared_version()
        self._checked_at = now
        if version is _UNKNOWN and built is not None and now - built.built_at <= self.ttl():
            # The cache is down: keep what this process has until the TTL, then rebuild from
            # the database, which is the truth; the cache only says when to look.
            return built.value
        if built is None or version != built.version or now - built.built_at > self.ttl():
            known_version = version if isinstance(version, str) else None
            with self._lock:
                built = _Built(self.build(), known_version, now)
                self._built = built
        return built.value

    def reload(self) -> T:
        """Rebuild from the source now, whatever the shared version says: for work that exists
        because the rows changed and must not run on a copy up to ``check_seconds`` old."""
        version = self._shared_version()
        known_version = version if isinstance(version, str) else None
        now = time.monotonic()
        with self._lock:
            self._built = _Built(self.build(), known_version, now)
            self._checked_at = now
        return self._built.value

    def _shared_version(self) -> object:
        try:
            return cache.get(self.version_key)
        except Exception as error:  # any backend's connection error; see _UNKNOWN
            logger.warning("%s not checked, the cache is unavailable: %s", self.version_key, error)
            return _UNKNOWN

    def invalidate(self) -> None:
        """Tell every process the rows changed; this process rebuilds on its next ``get``.

        With the cache down the others notice within ``ttl``, when they rebuild anyway.
        """
        try:
            cache.set(self.version_key, uuid.uuid4().hex, timeout=None)
        except Exception as error:
            logger.warning("%s not announced, the cache is down: %s", self.version_key, error)
        with self._lock:
            self._built = None
