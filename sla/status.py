"""Reads for the public status page: the service now, availability this month and over the
last twelve, recent incidents and upcoming maintenance (SLA 2(a), 5(e), 6(a))."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from .availability import TARGET, MonthAvailability, month_availability, months_back
from .models import MaintenanceWindow, Outage

RECENT_INCIDENT_DAYS = 90


@dataclass(frozen=True)
class ServiceStatus:
    state: str  # "operational", "maintenance" or "outage"
    current_outages: list[Outage]
    current_maintenance: list[MaintenanceWindow]
    this_month: MonthAvailability
    previous_months: list[MonthAvailability]  # the twelve before this one, newest first
    recent_incidents: list[Outage]
    upcoming_maintenance: list[MaintenanceWindow]
    target_percent: str


def _past_month(*, year: int, month: int) -> MonthAvailability:
    """A finished month changes only when staff correct a record: cached for a few minutes,
    so a public page that anyone may reload does not compute twelve months each time."""
    key = f"sla:status:month:{year:04d}-{month:02d}"
    figures = cache.get(key)
    if figures is None:
        figures = month_availability(year=year, month=month)
        cache.set(key, figures, settings.STATUS_PAGE_CACHE_SECONDS)
    return figures


def service_status(*, now: datetime.datetime | None = None) -> ServiceStatus:
    now = now or timezone.now()
    today = timezone.localtime(now, timezone.get_default_timezone()).date()
    current_outages = list(
        Outage.objects.filter(started_at__lte=now, ended_at__isnull=True).order_by("started_at")
    )
    current_maintenance = list(
        MaintenanceWindow.objects.filter(
            announced_at__isnull=False, starts_at__lte=now, ends_at__gt=now
        )
    )
    state = "outage" if current_outages else "maintenance" if current_maintenance else "operational"
    *earlier, (year, month) = months_back(count=13, today=today)
    months = [_past_month(year=y, month=m) for y, m in earlier]
    months.append(month_availability(year=year, month=month))
    since = now - datetime.timedelta(days=RECENT_INCIDENT_DAYS)
    return ServiceStatus(
        state=state,
        current_outages=current_outages,
        current_maintenance=current_maintenance,
        this_month=months[-1],
        previous_months=list(reversed(months[:-1])),
        recent_incidents=list(
            Outage.objects.filter(started_at__gte=since, started_at__lte=now).order_by(
                "-started_at"
            )[: settings.STATUS_PAGE_INCIDENTS]
        ),
        upcoming_maintenance=list(
            MaintenanceWindow.objects.filter(announced_at__lte=now, starts_at__gt=now).order_by(
                "starts_at"
            )
        ),
        target_percent=f"{TARGET * 100:.2f}",
    )
