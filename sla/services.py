"""Writes for the business calendar. Every change to closures goes through here, so every
process rebuilds its clock and open tickets' deadlines follow."""

from __future__ import annotations

import datetime

from celery import signature
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from .calendars import calendar_changed
from .models import DEFAULT_POLICY_MINUTES, DEFAULT_WARNING_PERCENT, ClosureDay, Outage, SlaPolicy

# The tickets app sits above sla and owns the task that moves open tickets' deadlines; sla
# names it instead of importing it, so the app graph stays one way (tickets -> sla).
TICKETS_SLA_RECOMPUTE_TASK = "helpdesk.tickets.tasks.tickets_sla_recompute_task"


def _closures_changed() -> None:
    """Every process rebuilds its clock, and open tickets' deadlines move (from a worker)."""
    calendar_changed()
    signature(TICKETS_SLA_RECOMPUTE_TASK).delay()


@transaction.atomic
def closure_day_save(
    *,
    date: datetime.date,
    reason: str,
    announced_at: datetime.datetime | None = None,
) -> ClosureDay:
    """Add a closure, or update the one on that date; idempotent for the same input."""
    closure, _created = ClosureDay.objects.update_or_create(
        date=date, defaults={"reason": reason.strip(), "announced_at": announced_at}
    )
    transaction.on_commit(_closures_changed)
    return closure


@transaction.atomic
def closure_day_remove(*, date: datetime.date) -> bool:
    """Reopen a day; returns whether there was a closure to remove."""
    deleted, _by_model = ClosureDay.objects.filter(date=date).delete()
    if deleted:
        transaction.on_commit(_closures_changed)
    return bool(deleted)


def sla_policy_seed_defaults() -> int:
    """Create the default policy for each priority that has none; returns how many it made."""
    created_count = 0
    for priority, (first, following, resolution) in DEFAULT_POLICY_MINUTES.items():
        _policy, created = SlaPolicy.objects.get_or_create(
            priority=priority,
            category="",
            defaults={
                "first_response_minutes": first,
                "next_response_minutes": following,
                "resolution_minutes": resolution,
                "warning_percent": DEFAULT_WARNING_PERCENT,
            },
        )
        created_count += created
    return created_count


OUTAGE_RECORDER_STATE_KEY = "outage-recorder:first-failure"
OUTAGE_RECORDER_COUNT_KEY = "outage-recorder:failures"


def outage_monitor_record(
    *, ok: bool, detail: str, now: datetime.datetime | None = None
) -> Outage | None:
    """One probe result of the outage recorder. After ``OUTAGE_RECORDER_FAILURES`` failures
    in a row it opens an outage (cause unknown, from the first failure); the next success
    closes it. Returns the outage opened or closed, if any. Staff set the cause afterwards.
    """
    now = now or timezone.now()
    open_outage = (
        Outage.objects.filter(recorded_by_monitor=True, ended_at__isnull=True)
        .order_by("-started_at")
        .first()
    )
    if ok:
        cache.delete_many([OUTAGE_RECORDER_STATE_KEY, OUTAGE_RECORDER_COUNT_KEY])
        if open_outage is None:
            return None
        open_outage.ended_at = now
        open_outage.save(update_fields=["ended_at"])
        return open_outage
    cache.add(OUTAGE_RECORDER_STATE_KEY, now.isoformat(), timeout=None)
    cache.add(OUTAGE_RECORDER_COUNT_KEY, 0, timeout=None)
    failures = cache.incr(OUTAGE_RECORDER_COUNT_KEY)
    if open_outage is not None or failures < settings.OUTAGE_RECORDER_FAILURES:
        return None
    first_failure = datetime.datetime.fromisoformat(cache.get(OUTAGE_RECORDER_STATE_KEY))
    with translation.override(settings.LANGUAGE_CODE):
        title = gettext("Readiness check failed (recorded automatically)")
    return Outage.objects.create(
        title=title,
        cause=Outage.Cause.UNKNOWN,
        started_at=min(first_failure, now),
        description=detail[:2000],
        recorded_by_monitor=True,
    )
