"""The business clock the application uses: settings plus the ClosureDay rows.

Building a clock reads every closure, so each process keeps one (``sla.caching``): a closure
entered in the admin reaches the workers within a second, or after ``SLA_CALENDAR_TTL_SECONDS``
where the cache is per-process (development).
"""

from __future__ import annotations

import datetime

from django.conf import settings

from .caching import ProcessCache
from .clock import BusinessClock
from .models import ClosureDay


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
    closures = dict(ClosureDay.objects.values_list("date", "reason"))
    return BusinessClock(
        tz=settings.SLA_TIME_ZONE,
        windows=parse_windows(settings.SLA_DESK_WINDOWS),
        weekdays=tuple(settings.SLA_WORKING_WEEKDAYS),
        closures=closures,
    )


_clock_cache: ProcessCache[BusinessClock] = ProcessCache(
    version_key="sla:calendar-version",
    build=build_business_clock,
    ttl=lambda: settings.SLA_CALENDAR_TTL_SECONDS,
)


def business_clock() -> BusinessClock:
    """The current clock: cached per process, rebuilt when the closures change."""
    return _clock_cache.get()


def business_clock_reloaded() -> BusinessClock:
    """The clock rebuilt from the database now: for the recompute that follows a closure
    change, which must not run on this process's copy from before the change."""
    return _clock_cache.reload()


def calendar_changed() -> None:
    """Tell every process that closures changed; this process rebuilds at once."""
    _clock_cache.invalidate()
