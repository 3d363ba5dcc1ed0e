"""A value built from the database and kept in each process, rebuilt when it changes.

The business calendar and the SLA policies are read on every ticket change but edited
rarely. Each process keeps its own copy; whoever changes the rows calls ``invalidate``,
which bumps a version in the shared cache (Redis in production). A process asks for that
version at most once a ``check_seconds``, and rebuilds when it differs, or after ``ttl`` in
case the cache is per-process (as in development).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.core.cache import cache

T = TypeVar("T")


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
        version = cache.get(self.version_key)
        self._checked_at = now
        if built is None or version != built.version or now - built.built_at > self.ttl():
            with self._lock:
                built = _Built(self.build(), version, now)
                self._built = built
        return built.value

    def invalidate(self) -> None:
        """Tell every process the rows changed; this process rebuilds on its next ``get``."""
        cache.set(self.version_key, uuid.uuid4().hex, timeout=None)
        with self._lock:
            self._built = None
