"""The business clock the application uses: settings plus the ClosureDay rows.

Building a clock reads every closure, so each process keeps one and reuses it. A change to the
closures bumps a version in the shared cache; every process compares versions before using its
clock, and also re-reads after ``SLA_CALENDAR_TTL_SECONDS`` in case the cache is per-process
(as in development), so a closure entered in the admin reaches the workers too.
"""

from __future__ import annotations

import datetime
import threading
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from .clock import BusinessClock

VERSION_CACHE_KEY = "sla:calendar-version"

# How often a busy process asks the shared cache whether closures changed: at most once a
# second, instead of a round trip on every ticket change.
VERSION_CHECK_SECONDS = 1.0


@dataclass
class _ProcessClock:
    clock: BusinessClock | None = None
    version: str | None = None
    built_at: float = 0.0
    checked_at: float = 0.0


_lock = threading.Lock()
_current = _ProcessClock()


def parse_windows(specs: list[str]) -> tuple[tuple[datetime.time, datetime.time], ...]:
    """``["10:00-12:00", "13:00-17:00"]`` -> pairs of times; a bad spec is a clear error."""
    windows = []
    for spec in specs:
        try:
            start_text, end_text = spec.split("-")
            start = datetime.time.fromisoformat(start_text.strip())
            end = datetime.time.fromisoformat(end_text.strip())
        except ValueError as error:
            raise ValueError(
                f"SLA_DESK_WINDOWS entry {spec!r} is not of the form HH:MM-HH:MM"
            ) from error
        windows.append((start, end))
    return tuple(windows)


def build_business_clock() -> BusinessClock:
    from .models import ClosureDay

    closures = dict(ClosureDay.objects.values_list("date", "reason"))
    return BusinessClock(
        tz=settings.SLA_TIME_ZONE,
        windows=parse_windows(settings.SLA_DESK_WINDOWS),
        weekdays=tuple(settings.SLA_WORKING_WEEKDAYS),
        closures=closures,
    )


def business_clock() -> BusinessClock:
    """The current clock: cached per process, rebuilt when the closures change."""
    global _current
    now = time.monotonic()
    current = _current
    if current.clock is not None and now - current.checked_at < VERSION_CHECK_SECONDS:
        return current.clock
    version = cache.get(VERSION_CACHE_KEY)
    current.checked_at = now
    if (
        current.clock is None
        or version != current.version
        or now - current.built_at > settings.SLA_CALENDAR_TTL_SECONDS
    ):
        with _lock:
            _current = current = _ProcessClock(build_business_clock(), version, now, now)
    return current.clock  # type: ignore[return-value]


def calendar_changed() -> None:
    """Tell every process that closures changed; this process rebuilds at once."""
    global _current
    cache.set(VERSION_CACHE_KEY, uuid.uuid4().hex, timeout=None)
    with _lock:
        _current = _ProcessClock()
